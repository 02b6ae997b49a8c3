"""The live directory of palliative and end-of-life care services (Open Referral UK 3.0) with gap mapping."""
