"""gru-digits: handwritten digits read as 8 rows of 8 pixels.

Trained model (saved as model.keras): Input(8, 8) -> GRU(32, return_sequences) -> Dense(10), logits at
every step, trained with sparse cross-entropy on the last step's logits only (hil.tasks.classifier).
hil.convert.streaming.gru_step_model makes its single-step form: inputs features and state, outputs mask
(the logits) and state_out. Data: the 'digits' task (hil/tasks/digits.py) with the same seed; card.json
records the split sizes and the float accuracy on val and test. calib.npy is a structured array with
fields features and state: real (x_t, h_{t-1}) pairs.

Train: .venv/bin/python models/gru-digits/recipe.py [--seed 0]
"""

from __future__ import annotations

from hil.tasks.classifier import classifier_recipe

NAME = "gru-digits"
TASK = "digits"
ARCH = {"hidden": 32}
TRAIN = {"epochs": 30, "batch": 32, "learning_rate": 0.005}


train, main = classifier_recipe(NAME, TASK, ARCH, TRAIN, __doc__)


if __name__ == "__main__":
    main()
