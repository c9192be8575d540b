/* The engine's GError domain (see error.h for the codes). */
#include "engine/error.h"

G_DEFINE_QUARK(fragsim-error-quark, fsi_error)
