/* The model runtime behind the MODEL_* / INVOKE / PROFILE commands.
 * The protocol layer owns upload (chunks, bounds); a runtime only sees a
 * complete blob, in RAM or in the flash slot, and reads its constants in
 * place. */
#ifndef HIL_RUNTIME_H
#define HIL_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

#include "hil/model.h"
#include "hil/status.h"

/* Validate and prepare the blob at [blob, blob + size); `arena` is the rest of
 * the model region, free for activations. HIL_OK makes the model current. */
hil_status_t hil_runtime_load(const uint8_t *blob, size_t size, uint8_t *arena, size_t arena_size);

/* Load an image: a blob with the size and CRC-32 (zlib's, of all of it) it
 * came with, from an upload or the flash slot. Forgets the current model,
 * sets *crc_seen to the blob's CRC-32; a mismatch is HIL_ERR_BAD_MODEL, else
 * hil_runtime_load decides. */
hil_status_t hil_runtime_load_image(const uint8_t *blob, size_t size, uint32_t crc, uint8_t *arena, size_t arena_size,
                                    uint32_t *crc_seen);

/* Bring the current model back to its state after load: every op prepared
 * again, so ops that keep something from run to run (a history) start from
 * zeros. HIL_ERR_NO_MODEL without a model. */
hil_status_t hil_runtime_restart(void);

/* Forget the current model (a new upload has begun). */
void hil_runtime_unload(void);

#define HIL_INVOKE_REFERENCE 0x01u /* flag: run the reference kernels */

/* Run one inference. in holds every model input's bytes, concatenated in input
 * order; the outputs are written the same way to out (capacity out_cap).
 * *cycles receives the hal_cycles() delta of the whole run. */
hil_status_t hil_runtime_invoke(const uint8_t *in, size_t in_len, uint8_t flags, uint8_t *out, size_t out_cap,
                                size_t *out_len, uint32_t *cycles);

/* Run the current model on the bytes already in its input tensors (see
 * hil_runtime_io); *cycles receives the hal_cycles() delta of the run. */
hil_status_t hil_runtime_run(uint8_t flags, uint32_t *cycles);

/* Early exits (hil/model.h): how many the current model has (0: none, or no
 * model), and the output position of exit k's mask (-1: no such exit). */
unsigned hil_runtime_n_exits(void);
int hil_runtime_exit_output(unsigned k);

/* Run the ops exit k needs that no exit in `evaluated` (a bit mask of the
 * exits already run this frame) needs: run_exit(k, 0) computes exit k alone,
 * run_exit(k + 1, bits 0..k) continues after exit k. The other ops are
 * skipped (their profile entry reads 0). HIL_ERR_BAD_ARG for k >= n_exits. */
hil_status_t hil_runtime_run_exit(uint8_t flags, unsigned k, uint32_t evaluated, uint32_t *cycles);

/* 1 when model output pos was written by the exits in `evaluated` this frame
 * (any op writes it in a model without exits), else 0. */
int hil_runtime_output_written(unsigned pos, uint32_t evaluated);

/* Number of inputs (output = 0) or outputs (output = 1) of the current model;
 * 0 when none is loaded. */
unsigned hil_runtime_n_io(int output);

/* Input or output number pos of the current model, with *data pointing at its
 * bytes in the arena; NULL when no model is loaded or pos is out of range.
 * An input's bytes may be overwritten by a run: write them before each one. */
const hil_tensor_t *hil_runtime_io(int output, unsigned pos, uint8_t **data);

/* Changes with every load and unload: a cached view of the model (a stream's
 * configuration) is valid while it stays the same. */
uint32_t hil_runtime_generation(void);

/* Changes with every run, failed or not: bytes written into the inputs are
 * for the next run only (a run may reuse them as scratch). *ok (unless NULL)
 * says whether the latest run of the current model succeeded, so that its
 * outputs are in the arena. */
uint32_t hil_runtime_runs(int *ok);

/* 1 when op i of the current model runs a kernel of its own with the
 * optimised kernels (prepare chose one apart from the reference), else 0. */
int hil_runtime_op_optimised(uint32_t i);

/* Serialise the per-operator profile of the last invoke into out:
 * u16 n_ops, u16 reserved, u32 total cycles, then per op
 * u16 index, u8 code, u8 reserved, u32 cycles. */
hil_status_t hil_runtime_profile(uint8_t *out, size_t out_cap, size_t *out_len);

#endif
