"""The speech-enhancement signal chain: STFT, log-power features, mask, ISTFT overlap-add.

`hil.dsp.spec` defines the chain mathematically and gives a float64 reference (numpy.fft) that
training uses; the board runs the same chain in float32 on its FPU (firmware/src/dsp).

`hil.dsp.tables` generates the C tables, `hil.dsp.chain` mirrors the board's float32 chain bit for bit,
`hil.dsp.config` is a stream's configuration (STREAM_BEGIN), and `hil.step.chain.stream_utterance`
runs an utterance on a board, in the simulator library or in the mirror.
"""
