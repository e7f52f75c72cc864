"""Keras -> .tflite (hil.convert) -> device model blob (.hilm): graph, ops, memory plan, size report."""
