"""Voice profiles and pronunciation lexicons shipped with narrator: data, installed as the package
narrator.voice_data (see pyproject.toml). Nothing here is code."""
