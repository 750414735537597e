"""The report form ids DESIGN.md fixes: every deployment has them (a school may reword, not remove, them).

A module of its own so that both the answer engine (which offers forms) and the forms
package (which runs them) name the same ids without importing each other.
"""

FORM_IDS: tuple[str, ...] = (
    "pupil_contact",
    "inappropriate_content",
    "blocked_content_request",
    "site_creation_request",
    "cyberbullying",
    "safeguarding_concern",
    "staff_conduct_concern",
    "family_declaration",
    "media_enquiry",
)
