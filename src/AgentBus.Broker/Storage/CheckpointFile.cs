using System.Buffers.Binary;
using System.IO.Hashing;
using AgentBus.Broker.Errors;
using Microsoft.Win32.SafeHandles;

namespace AgentBus.Broker.Storage;

/// <summary>
/// The <c>checkpoint</c> file: a position below which every byte of the log was fsynced. Recovery validates from the
/// segment holding it. It is rewritten (without its own fsync) after every data fsync, so it can only lag behind the
/// truly durable position, which merely makes recovery validate more. It is also the directory lock: it stays open
/// exclusively while the log is open.
/// </summary>
internal sealed class CheckpointFile : IDisposable
{
    public const string FileName = "checkpoint";

    private const uint Magic = 0x50434241; // "ABCP" little-endian
    private const int Version = 1;
    private const int Size = 24;           // magic, version, position, reserved, crc
    private const int CrcOffset = 20;

    private readonly SafeFileHandle _file;

    private CheckpointFile(SafeFileHandle file, bool created)
    {
        _file = file;
        Created = created;
    }

    /// <summary>True when the file did not exist before <see cref="Open"/>.</summary>
    public bool Created { get; }

    public static CheckpointFile Open(string directory)
    {
        var path = Path.Combine(directory, FileName);
        var existed = File.Exists(path);
        try
        {
            // FileShare.None takes an exclusive advisory lock on Unix: a second log on the same directory fails here.
            return new CheckpointFile(File.OpenHandle(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None), !existed);
        }
        catch (IOException ex)
        {
            throw new BrokerException(BrokerErrorCode.Unavailable, $"The commit log in '{directory}' is already open or its checkpoint cannot be opened.", ex);
        }
    }

    /// <summary>The stored position, or null when the file is missing, short or damaged.</summary>
    public long? Read()
    {
        Span<byte> buffer = stackalloc byte[Size];
        if (RandomAccess.Read(_file, buffer, 0) != Size
            || BinaryPrimitives.ReadUInt32LittleEndian(buffer) != Magic
            || BinaryPrimitives.ReadInt32LittleEndian(buffer[4..]) != Version
            || Crc32.HashToUInt32(buffer[..CrcOffset]) != BinaryPrimitives.ReadUInt32LittleEndian(buffer[CrcOffset..]))
        {
            return null;
        }

        var position = BinaryPrimitives.ReadInt64LittleEndian(buffer[8..]);
        return position >= 0 ? position : null;
    }

    /// <summary>Overwrites the stored position in place (24 bytes at offset 0, within one sector).</summary>
    public void Write(long position)
    {
        Span<byte> buffer = stackalloc byte[Size];
        BinaryPrimitives.WriteUInt32LittleEndian(buffer, Magic);
        BinaryPrimitives.WriteInt32LittleEndian(buffer[4..], Version);
        BinaryPrimitives.WriteInt64LittleEndian(buffer[8..], position);
        BinaryPrimitives.WriteUInt32LittleEndian(buffer[16..], 0);
        BinaryPrimitives.WriteUInt32LittleEndian(buffer[CrcOffset..], Crc32.HashToUInt32(buffer[..CrcOffset]));
        RandomAccess.Write(_file, buffer, 0);
    }

    public void Sync() => RandomAccess.FlushToDisk(_file);

    public void Dispose() => _file.Dispose();
}
