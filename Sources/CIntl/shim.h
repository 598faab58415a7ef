#ifndef LOOKOUT_CINTL_SHIM_H
#define LOOKOUT_CINTL_SHIM_H
// glibc's own gettext (libintl is part of libc on glibc: nothing to link). Swift's Glibc module does not export
// <libintl.h>; only TerminalText's Localized.swift imports this module.
#include <libintl.h>
#include <locale.h>
#endif
