#ifndef HIL_VERSION_H
#define HIL_VERSION_H

#ifndef HIL_FW_VERSION
#define HIL_FW_VERSION "0.1.0"
#endif

#endif
