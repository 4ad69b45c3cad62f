/* version.h — lt's version, printed by `lt version` and written into every summary. */
#ifndef LT_VERSION_H
#define LT_VERSION_H
#define LT_VERSION "0.1.0"
#endif
