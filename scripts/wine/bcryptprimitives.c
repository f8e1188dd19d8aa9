/* Test-only stand-in for Windows' bcryptprimitives.dll under Wine 8 (Debian 12), which lacks
 * it: Rust's standard library (1.78+) imports ProcessPrng from it, so without this no Rust
 * program starts under that Wine. Built by scripts/wine-run.sh into the throwaway prefix;
 * never shipped (Windows 10 and later have the real DLL). Same contract: fill the buffer with
 * random bytes, always TRUE; here from RtlGenRandom (advapi32 SystemFunction036). */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
    while (len > 0) {
        ULONG n = len > 0x10000 ? 0x10000 : (ULONG)len;
        if (!SystemFunction036(data, n))
            return FALSE;
        data += n;
        len -= n;
    }
    return TRUE;
}
