"""Offline audio data: espeak-ng speech, synthetic noises, and the noisy-speech corpus."""
