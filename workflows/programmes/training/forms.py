from django import forms
from django.utils.translation import gettext_lazy as _


class ClaimReviewForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), choices=[("pass", _("Pass")), ("reject", _("Reject"))])
    opinion = forms.CharField(label=_("Opinion"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class ClaimApproveForm(forms.Form):
    opinion = forms.CharField(label=_("Opinion"), widget=forms.Textarea(attrs={"rows": 3}))


class DesignationEndForm(forms.Form):
    reason = forms.CharField(label=_("Reason for ending the designation"), max_length=500)


class ClassDecisionForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), choices=[("approve", _("Approve")), ("refuse", _("Refuse"))])
    reason = forms.CharField(label=_("Reason for refusal"), required=False, max_length=500)
