from django import forms
from django.utils.translation import gettext_lazy as _


class ClaimReviewForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), choices=[("pass", _("Pass")), ("reject", _("Reject"))])
    opinion = forms.CharField(label=_("Opinion"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class ClaimApproveForm(forms.Form):
    opinion = forms.CharField(label=_("Opinion"), widget=forms.Textarea(attrs={"rows": 3}))
