/* The engine's GError domain (see error.h for the codes). */
#include "engine/core/error.h"

G_DEFINE_QUARK(fragsim-error-quark, fsi_error)
