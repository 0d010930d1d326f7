"""The fonts the PDF letters embed, with their licences (README.md)."""
