"""The Endpoint options dialog: FIPS endpoints and a custom streaming domain for one credential source."""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QDialog, QDialogButtonBox, QLabel, QLineEdit, QVBoxLayout, QWidget

from launcher.appstream.endpoints import EndpointOptions, validate_streaming_domain
from launcher.appstream.errors import ValidationError
from launcher.ui.form import add_row, form_layout, message_label, show_message, stacked
from launcher.ui.style import TONE_PLAIN, TONE_WARNING, set_invalid, set_tone


def fips_note(region: str, fips_regions: frozenset[str] | None, endpoint_url: str | None) -> tuple[str, str]:
    """Return the note below the FIPS check box and its tone, for the current region."""
    if endpoint_url:
        return (
            f"An endpoint URL is set ({endpoint_url}), so requests go there and the FIPS option has no effect.",
            TONE_WARNING,
        )
    if fips_regions is None:
        return ("The list of regions with a FIPS endpoint is still loading.", TONE_PLAIN)
    listed = ", ".join(sorted(fips_regions)) or "none"
    if region and region not in fips_regions:
        return (
            f"botocore lists no AppStream FIPS endpoint in {region}, so requests there are likely to fail "
            f"with FIPS on. AppStream FIPS endpoints: {listed}.",
            TONE_WARNING,
        )
    return (f"AppStream FIPS endpoints: {listed}.", TONE_PLAIN)


class EndpointOptionsDialog(QDialog):
    """A dialog that edits the endpoint options of one credential source. `options()` returns them after OK."""

    def __init__(
        self,
        source_label: str,
        options: EndpointOptions,
        *,
        region: str,
        fips_regions: frozenset[str] | None,
        endpoint_url: str | None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("endpointOptionsDialog")
        self.setWindowTitle("Endpoint options")

        intro = QLabel(f"These options apply to the credential source {source_label}.", self)
        intro.setWordWrap(True)

        self.fips_check = QCheckBox("Use &FIPS endpoints for AppStream API requests", self)
        self.fips_check.setObjectName("fipsCheck")
        self.fips_check.setAccessibleName("Use FIPS endpoints")
        self.fips_check.setChecked(options.use_fips)
        self.fips_note_label = QLabel(self)
        self.fips_note_label.setObjectName("fipsNoteLabel")
        self.fips_note_label.setWordWrap(True)
        self._region = region
        self._endpoint_url = endpoint_url
        self.set_fips_regions(fips_regions)

        self.domain_edit = QLineEdit(options.streaming_domain, self)
        self.domain_edit.setObjectName("streamingDomainEdit")
        self.domain_edit.setAccessibleName("Custom streaming domain")
        self.domain_edit.setPlaceholderText("Optional: such as streaming.example.com")
        self.domain_edit.setToolTip(
            "Replaces the host of every generated streaming URL, for stacks that users reach through "
            "your own domain. Leave empty to keep the AppStream host."
        )
        self.domain_message_label = message_label("streamingDomainMessageLabel", self)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        fields = QWidget(self)
        form = form_layout(fields)
        form.setContentsMargins(0, 0, 0, 0)
        add_row(form, "Streaming &domain:", stacked(self.domain_edit, self.domain_message_label), self.domain_edit)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.fips_check)
        layout.addWidget(self.fips_note_label)
        layout.addWidget(fields)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(480)

        self.domain_edit.textChanged.connect(self._validate)
        self._validate()

    def set_fips_regions(self, fips_regions: frozenset[str] | None) -> None:
        """Show which regions have a FIPS endpoint. `fips_regions` is None while that list is loading."""
        text, tone = fips_note(self._region, fips_regions, self._endpoint_url)
        self.fips_note_label.setText(text)
        set_tone(self.fips_note_label, tone)

    def _validate(self) -> None:
        problem = None
        try:
            validate_streaming_domain(self.domain_edit.text())
        except ValidationError as error:
            problem = error.message
        set_invalid(self.domain_edit, problem)
        show_message(self.domain_message_label, problem)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(problem is None)

    def options(self) -> EndpointOptions:
        """Return the options as entered. Call it only while OK is enabled, because it raises for an invalid domain."""
        return EndpointOptions(
            use_fips=self.fips_check.isChecked(),
            streaming_domain=validate_streaming_domain(self.domain_edit.text()),
        )
