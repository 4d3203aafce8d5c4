"""Courses: the Markdown format, publishing, the catalog, the lesson reader and progress."""
