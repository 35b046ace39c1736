"""The language-model engine: any OpenAI-compatible chat-completions server."""
