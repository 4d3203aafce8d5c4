"""Certificates: issue on completion, PDF with QR codes, public check, signed credentials."""
