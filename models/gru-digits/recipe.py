"""gru-digits: handwritten digits read as 8 rows of 8 pixels.

Trained model (saved as model.keras): Input(8, 8) -> GRU(32, return_sequences) -> Dense(10), logits at
every step, trained with sparse cross-entropy on the last step's logits only (hil.tasks.train).
hil.convert.streaming.gru_step_model makes its single-step form: inputs features and state, outputs mask
(the logits) and state_out. Data: the 'digits' task (hil/tasks/digits.py) with the same seed; card.json
records the split sizes and the float accuracy on val and test. calib.npy is a structured array with
fields features and state: real (x_t, h_{t-1}) pairs.

Train: .venv/bin/python models/gru-digits/recipe.py [--seed 0]
"""

from __future__ import annotations

NAME = "gru-digits"
TASK = "digits"
ARCH = {"hidden": 32}
TRAIN = {"epochs": 30, "batch": 32, "learning_rate": 0.005}


def train(seed: int = 0):
    """(sequence model, calibration rows, metrics): deterministic for a seed."""
    from hil.tasks import get_task
    from hil.tasks.train import train_classifier

    return train_classifier(get_task(TASK), NAME, seed, ARCH, TRAIN)


def main(argv=None) -> None:
    from hil.tasks import get_task
    from hil.tasks.train import recipe_fields
    from hil.zoo import recipe_main

    recipe_main(NAME, __doc__, train, recipe_fields(get_task(TASK), ARCH, TRAIN), argv)


if __name__ == "__main__":
    main()
