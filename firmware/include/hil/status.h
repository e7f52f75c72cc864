/* One status enum for the whole firmware; its values travel to the host in
 * every reply frame and map onto hil.link.protocol.Status. */
#ifndef HIL_STATUS_H
#define HIL_STATUS_H

typedef enum {
    HIL_OK = 0,
    HIL_ERR_CRC = 1,         /* frame CRC-32 did not match */
    HIL_ERR_FRAME = 2,       /* bad COBS encoding or shorter than a header */
    HIL_ERR_TOO_LONG = 3,    /* frame longer than HIL_MAX_PAYLOAD allows */
    HIL_ERR_UNKNOWN_CMD = 4, /* command code not known to this firmware */
    HIL_ERR_BAD_ARG = 5,     /* payload length or a field out of range */
    HIL_ERR_VERSION = 6,     /* host protocol major version not supported */
    HIL_ERR_NO_MODEL = 7,    /* no complete model is loaded */
    HIL_ERR_BAD_MODEL = 8,   /* model blob failed validation */
    HIL_ERR_NO_SPACE = 9,    /* model does not fit the model region */
    HIL_ERR_STATE = 10,      /* request not valid in the current state */
    HIL_ERR_UNSUPPORTED = 11 /* valid request this build cannot serve */
} hil_status_t;

#endif
