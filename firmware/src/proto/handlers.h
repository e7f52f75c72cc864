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
hil_status_t hil_cmd_stream_begin(hil_link_t *link, const hil_request_t *req, uint8_t *out, size_t *out_len);
hil_status_t hil_cmd_stream_hops(hil_link_t *link, const hil_request_t *req, uint8_t *out, size_t *out_len);

#endif
