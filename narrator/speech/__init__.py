"""Speech: voice profiles, the engines that speak a sentence (Piper, pyttsx3/espeak-ng, a remote OpenAI
speech server), their word timings, forced alignment, and pronunciation lexicons."""
