"""Audio: synthesising an article's units through the cache, joining the clips (loudness, jingles),
encoding the MP3 with its timing map and WebVTT, and the live stream written while a job runs."""
