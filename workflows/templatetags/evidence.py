from django import template

from cases.uploads import EXTENSIONS

register = template.Library()


@register.filter
def file_type(content_type: str) -> str:
    """PDF, JPG or PNG for the accepted kinds; any other stored type as it is."""
    extension = EXTENSIONS.get(content_type)
    return extension.upper() if extension else content_type
