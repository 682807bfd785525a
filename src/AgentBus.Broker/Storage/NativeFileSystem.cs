using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace AgentBus.Broker.Storage;

/// <summary>
/// The few POSIX calls .NET does not expose: fsync of a directory, msync of a range, madvise(MADV_POPULATE_WRITE,
/// MADV_DONTNEED), posix_fadvise(POSIX_FADV_DONTNEED) and SEEK_DATA/SEEK_HOLE. Linux values; other systems take the portable fallbacks.
/// </summary>
internal static unsafe partial class NativeFileSystem
{
    private const int ReadOnly = 0;      // O_RDONLY
    private const int MsSync = 4;        // MS_SYNC
    private const int NormalAdvice = 0;  // MADV_NORMAL
    private const int RandomAdvice = 1;  // MADV_RANDOM
    private const int DontNeedAdvice = 4; // MADV_DONTNEED
    private const int PopulateWriteAdvice = 23; // MADV_POPULATE_WRITE, Linux 5.14+
    private const int DropCachedAdvice = 4; // POSIX_FADV_DONTNEED
    private static int _populateUnsupported;
    private const int SeekData = 3;      // SEEK_DATA on Linux
    private const int SeekHole = 4;      // SEEK_HOLE on Linux
    private const int NoSuchDeviceOrAddress = 6; // ENXIO: no data at or after the offset

    /// <summary>
    /// Makes created and deleted directory entries durable: fsync of a file does not persist its name in the
    /// directory. A no-op on Windows, which cannot open directories this way and journals NTFS metadata itself.
    /// </summary>
    public static void SyncDirectory(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var fd = Open(path, ReadOnly);
        if (fd < 0)
        {
            throw new IOException($"Cannot open directory '{path}' to fsync it (errno {Marshal.GetLastPInvokeError()}).");
        }

        try
        {
            if (FSync(fd) != 0)
            {
                throw new IOException($"fsync of directory '{path}' failed (errno {Marshal.GetLastPInvokeError()}).");
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    /// <summary>
    /// End of the last data extent that starts before <paramref name="to"/>, at or after <paramref name="from"/>;
    /// <paramref name="from"/> when there is none. Where holes cannot be located, returns <paramref name="to"/>.
    /// </summary>
    public static long DataEnd(SafeFileHandle file, long from, long to)
    {
        if (!OperatingSystem.IsLinux())
        {
            return to;
        }

        var added = false;
        file.DangerousAddRef(ref added);
        try
        {
            var fd = (int)file.DangerousGetHandle();
            var end = from;
            var position = from;
            while (position < to)
            {
                var data = LSeek(fd, position, SeekData);
                if (data < 0)
                {
                    return Marshal.GetLastPInvokeError() == NoSuchDeviceOrAddress ? end : to;
                }

                if (data >= to)
                {
                    break;
                }

                var hole = LSeek(fd, data, SeekHole);
                if (hole < 0)
                {
                    return to;
                }

                end = Math.Min(hole, to);
                position = hole;
            }

            return end;
        }
        finally
        {
            if (added)
            {
                file.DangerousRelease();
            }
        }
    }

    /// <summary>
    /// msync(MS_SYNC) of a range of a shared file mapping. On Linux this is vfs_fsync_range with datasync
    /// semantics: the dirty pages of the range are written and waited for, and the journal is committed when the
    /// data needs it (e.g. converting preallocated extents), just like fdatasync but limited to the range.
    /// </summary>
    /// <returns>False when the platform has no usable msync (the caller falls back to fsync of the file).</returns>
    public static bool TrySyncRange(byte* address, nuint length)
    {
        if (!OperatingSystem.IsLinux())
        {
            return false;
        }

        if (MSync(address, length, MsSync) != 0)
        {
            throw new IOException($"msync failed (errno {Marshal.GetLastPInvokeError()}).");
        }

        return true;
    }

    /// <summary>
    /// Faults in writable pages without changing their contents (MADV_POPULATE_WRITE), so later writes through
    /// the mapping do not trap. False when the kernel does not support it.
    /// </summary>
    public static bool TryPopulateWrite(byte* address, nuint length)
    {
        if (!OperatingSystem.IsLinux() || Volatile.Read(ref _populateUnsupported) != 0)
        {
            return false;
        }

        if (MAdvise(address, length, PopulateWriteAdvice) == 0)
        {
            return true;
        }

        Volatile.Write(ref _populateUnsupported, 1);
        return false;
    }

    /// <summary>
    /// Advice for a mapping that is being appended to: no read-around on faults. The kernel then caches the region
    /// in single-page folios instead of large ones, so an msync of a few KiB writes a few KiB. With read-around, the
    /// pages around a fault are cached as large folios (up to 2 MiB) whose dirty state is tracked per folio: every
    /// group commit rewrote whole folios, about 55 times the appended bytes. Best effort; errors are ignored.
    /// </summary>
    public static void AdviseAppending(byte* address, nuint length)
    {
        if (OperatingSystem.IsLinux())
        {
            _ = MAdvise(address, length, RandomAdvice);
        }
    }

    /// <summary>
    /// Unmaps the pages of a range of a shared file mapping from this process (MADV_DONTNEED): they leave its resident
    /// set but not the page cache, and the next access maps them in again with the file's contents (a dirty page's
    /// state moves to the page cache, so nothing is lost; callers still only release flushed ranges). A no-op on other
    /// systems. Best effort; errors are ignored.
    /// </summary>
    public static void ReleasePages(byte* address, nuint length)
    {
        if (OperatingSystem.IsLinux())
        {
            _ = MAdvise(address, length, DontNeedAdvice);
        }
    }

    /// <summary>
    /// Drops a range of a file from the page cache (posix_fadvise POSIX_FADV_DONTNEED): clean pages no process maps go
    /// back to the kernel's free memory, and a later read gets the same bytes from the disk. Dirty or mapped pages stay,
    /// so nothing is lost; callers drop only flushed, released ranges. A no-op on other systems. Best effort.
    /// </summary>
    public static void DropCached(SafeFileHandle file, long offset, long length)
    {
        if (OperatingSystem.IsLinux())
        {
            _ = FAdvise(file, offset, length, DropCachedAdvice);
        }
    }

    /// <summary>Default advice (read-around) for a sealed segment, which is only read from now on. Best effort.</summary>
    public static void AdviseReading(byte* address, nuint length)
    {
        if (OperatingSystem.IsLinux())
        {
            _ = MAdvise(address, length, NormalAdvice);
        }
    }

    [LibraryImport("libc", EntryPoint = "posix_fadvise")]
    private static partial int FAdvise(SafeFileHandle file, long offset, long length, int advice);

    [LibraryImport("libc", EntryPoint = "msync", SetLastError = true)]
    private static partial int MSync(byte* address, nuint length, int flags);

    [LibraryImport("libc", EntryPoint = "madvise", SetLastError = true)]
    private static partial int MAdvise(byte* address, nuint length, int advice);

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int FSync(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "lseek", SetLastError = true)]
    private static partial long LSeek(int fd, long offset, int whence);
}
