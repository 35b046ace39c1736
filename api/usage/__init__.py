"""The usage log and what is built on it: stats, feedback, export."""
