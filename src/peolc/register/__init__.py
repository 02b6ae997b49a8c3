"""The shared palliative care record and ICS-wide register (EPaCCS), after the PRSB Palliative and End of Life Care
information standard and ReSPECT."""
