using System.Reflection;
using System.Runtime.InteropServices;

namespace MediaTagger.Core.Journal;

/// <summary>
/// The journal uses the system's libsqlite3 (Debian libsqlite3-0), not a bundled copy. libvips loads its modules
/// (openslide) at start-up and they bring libsqlite3 into the process; a second, bundled SQLite would then have its
/// internal calls bound to the system copy's symbols and crash on its first malloc. One SQLite per process avoids
/// that, as one ggml per engine does for whisper and llama (docs/native.md).
/// </summary>
internal static class SystemSqlite
{
    private static int initialized;

    public static void EnsureInitialized()
    {
        if (Interlocked.Exchange(ref initialized, 1) != 0)
        {
            return;
        }

        var provider = new SQLitePCL.SQLite3Provider_sqlite3();
        NativeLibrary.SetDllImportResolver(provider.GetType().Assembly, Resolve);
        SQLitePCL.raw.SetProvider(provider);
    }

    private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? path)
    {
        if (name != "sqlite3")
        {
            return IntPtr.Zero;
        }

        // Only the versioned name exists without the -dev package.
        foreach (var candidate in new[] { "libsqlite3.so.0", "libsqlite3.so", "libsqlite3.0.dylib", "sqlite3" })
        {
            if (NativeLibrary.TryLoad(candidate, out var handle))
            {
                return handle;
            }
        }

        throw new DllNotFoundException("the system SQLite library is missing: apt-get install libsqlite3-0 (eng/setup-native.sh does it)");
    }
}
