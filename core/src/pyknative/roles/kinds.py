"""The kinds role: whole kinds a plugin brings (model, defaulting, validation, short names, categories, printer
columns). Defined in :mod:`pyknative.api.kinds`; this is its public home."""

from pyknative.api.kinds import AdmissionContext, KindRegistration, PrinterColumn

__all__ = ["AdmissionContext", "KindRegistration", "PrinterColumn"]
