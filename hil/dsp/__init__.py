"""The speech-enhancement signal chain: STFT, log-power features, mask, ISTFT overlap-add.

`hil.dsp.spec` defines the chain mathematically and gives a float64 reference (numpy.fft) that
training uses; the board runs the same chain in float32 on its FPU (firmware/src/dsp).
"""
