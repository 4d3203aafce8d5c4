"""Quizzes: attempts drawn from a course version's question bank, grading, results, statistics."""
