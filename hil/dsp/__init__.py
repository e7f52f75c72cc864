"""The speech-enhancement signal chain: STFT, features, mask, ISTFT overlap-add, for a chain configuration.

`hil.dsp.spec` defines the chain mathematically for a `ChainSpec` (FFT size, hop, window, feature, mask;
nsNet2's 320/160 log-power by default, Conv-FSENet's 512/256 power-law) and gives a float64 reference
(numpy.fft) that training uses; the board runs the same chain in float32 on its FPU (firmware/src/dsp).

`hil.dsp.tables` generates the C tables, `hil.dsp.chain` (with `fft` and `mathf`) mirrors the board's
float32 chain bit for bit, `hil.dsp.config` is a stream's configuration (STREAM_BEGIN), `hil.dsp.identity`
the chain a model names, and `hil.step.chain.stream_utterance` runs an utterance on a board, in the
simulator library or in the mirror.
"""
