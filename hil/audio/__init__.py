"""Offline audio data: espeak-ng speech, synthetic noises, and the noisy-speech corpus."""

SAMPLE_RATE = 16000  # Hz: every signal in the lab (corpus, chain, metrics)
