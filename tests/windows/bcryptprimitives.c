/* Wine 8 has no bcryptprimitives.dll, and Rust's standard library imports
 * ProcessPrng from it (Windows 10+). This stand-in, built with mingw and put
 * into the test prefix's system32 by `cargo xtask test`, forwards to
 * RtlGenRandom (advapi32's SystemFunction036), which Wine has. Test rig only:
 * nothing of it ships. */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length)
{
    while (length > 0) {
        ULONG chunk = length > 0x10000000 ? 0x10000000 : (ULONG)length;
        if (!SystemFunction036(data, chunk))
            return FALSE;
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}
