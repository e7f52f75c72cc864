"""gru-vowels: which of 9 speakers said a Japanese vowel, from 29 frames of 12 cepstral coefficients.

Trained model (saved as model.keras): Input(29, 12) -> Dense(16, tanh) -> GRU(24, return_sequences) ->
Dense(9), logits at every step, trained with sparse cross-entropy on the last step's logits only
(hil.tasks.classifier). hil.convert.streaming.gru_step_model makes its single-step form: inputs features and
state, outputs mask (the logits) and state_out. Data: the 'vowels' task (hil/tasks/vowels.py) with the
same seed; card.json records the split sizes and the float accuracy on val and test. calib.npy is a
structured array with fields features and state: real (x_t, h_{t-1}) pairs.

Train: .venv/bin/python models/gru-vowels/recipe.py [--seed 0]
"""

from __future__ import annotations

from hil.tasks.classifier import classifier_recipe

NAME = "gru-vowels"
TASK = "vowels"
ARCH = {"hidden": 24, "pre": 16, "pre_activation": "tanh"}
TRAIN = {"epochs": 30, "batch": 32, "learning_rate": 0.005}


train, main = classifier_recipe(NAME, TASK, ARCH, TRAIN, __doc__)


if __name__ == "__main__":
    main()
