/* Command handlers, one group per file; the table in commands.c names them. */
#ifndef HIL_HANDLERS_H
#define HIL_HANDLERS_H

#include "hil/link.h"

hil_status_t hil_cmd_model_begin(hil_link_t *link, const hil_request_t *req, uint8_t *out, size_t *out_len);
hil_status_t hil_cmd_model_chunk(hil_link_t *link, const hil_request_t *req, uint8_t *out, size_t *out_len);
hil_status_t hil_cmd_model_end(hil_link_t *link, const hil_request_t *req, uint8_t *out, size_t *out_len);
hil_status_t hil_cmd_model_info(hil_link_t *link, const hil_request_t *req, uint8_t *out, size_t *out_len);
hil_status_t hil_cmd_invoke(hil_link_t *link, const hil_request_t *req, uint8_t *out, size_t *out_len);
hil_status_t hil_cmd_profile(hil_link_t *link, const hil_request_t *req, uint8_t *out, size_t *out_len);
hil_status_t hil_cmd_input_write(hil_link_t *link, const hil_request_t *req, uint8_t *out, size_t *out_len);
hil_status_t hil_cmd_invoke_staged(hil_link_t *link, const hil_request_t *req, uint8_t *out, size_t *out_len);
hil_status_t hil_cmd_output_read(hil_link_t *link, const hil_request_t *req, uint8_t *out, size_t *out_len);
hil_status_t hil_cmd_slot_load(hil_link_t *link, const hil_request_t *req, uint8_t *out, size_t *out_len);
hil_status_t hil_cmd_stream_begin(hil_link_t *link, const hil_request_t *req, uint8_t *out, size_t *out_len);
hil_status_t hil_cmd_stream_hops(hil_link_t *link, const hil_request_t *req, uint8_t *out, size_t *out_len);

/* Check the image blob (size, crc: what an upload's MODEL_BEGIN or the slot's
 * header says) and make it the current model: its arena is the model region
 * after the blob, or all of it when the blob is in the flash slot (in_flash).
 * *crc_seen receives the blob's CRC-32. MODEL_INFO reports the outcome. */
hil_status_t hil_model_install(const uint8_t *blob, uint32_t size, uint32_t crc, int in_flash, uint32_t *crc_seen);

/* Write the slot's report (state, status, capacity, image size and CRC-32,
 * counter ticks of its last check; hil/link/slot.py) at p; returns its end. */
uint8_t *hil_slot_put_info(uint8_t *p);

#endif
