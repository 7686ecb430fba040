/* Names of status codes. */
#include <optima/status.h>

const char *optima_status_string(optima_status status)
{
    switch (status) {
    case OPTIMA_OK: return "success";
    case OPTIMA_EINVAL: return "invalid argument";
    case OPTIMA_ENOMEM: return "out of memory";
    case OPTIMA_EOVERFLOW: return "size overflow";
    case OPTIMA_ESHAPE: return "shape mismatch";
    case OPTIMA_ENONFINITE: return "non-finite value";
    case OPTIMA_ESTATE: return "call out of order";
    case OPTIMA_ECALLBACK: return "stopped by a callback";
    case OPTIMA_EIO: return "input/output error";
    case OPTIMA_EFORMAT: return "invalid stream format";
    case OPTIMA_ECHECKSUM: return "checksum mismatch";
    case OPTIMA_EVERSION: return "unsupported format version";
    case OPTIMA_EMISMATCH: return "stream made for different models or settings";
    case OPTIMA_ENOTFOUND: return "not found";
    case OPTIMA_EUNSUPPORTED: return "unsupported";
    case OPTIMA_EINTERNAL: return "internal error";
    default: return "unknown status";
    }
}
