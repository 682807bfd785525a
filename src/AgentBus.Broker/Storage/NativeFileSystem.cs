using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace AgentBus.Broker.Storage;

/// <summary>The few POSIX calls .NET does not expose: fsync of a directory and SEEK_DATA/SEEK_HOLE.</summary>
internal static partial class NativeFileSystem
{
    private const int ReadOnly = 0;      // O_RDONLY
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

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int FSync(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "lseek", SetLastError = true)]
    private static partial long LSeek(int fd, long offset, int whence);
}
