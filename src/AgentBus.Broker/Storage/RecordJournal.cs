using System.Buffers.Binary;
using System.IO.Hashing;

namespace AgentBus.Broker.Storage;

/// <summary>
/// An append-only journal file of CRC-framed records, the part <c>metadata.journal</c> and <c>offsets.journal</c>
/// share; what a record's payload means is theirs.
/// <para>Layout, little-endian: a header of magic (4 bytes), format version (2), 2 reserved, the epoch (8, only in a
/// journal that has one), CRC-32 of the bytes before it (4) and 4 reserved; then records of
/// <c>[payload length: u32][CRC-32 of length and payload: u32][payload]</c>.</para>
/// <para>Read: records up to the first one that is incomplete (a torn tail from a crash mid-append), fails its CRC or
/// does not parse; that record and everything after it are dropped, and the next append truncates them away before
/// writing. A journal with a damaged header, or of another epoch, holds nothing usable. Reading never changes the file.</para>
/// </summary>
internal sealed class RecordJournal : IDisposable
{
    /// <summary>Bytes in front of each record's payload.</summary>
    public const int RecordHeaderSize = 8;

    private readonly string _directory;
    private readonly uint _magic;
    private readonly ushort _formatVersion;
    private readonly int _maxPayload;
    private readonly bool _hasEpoch;
    private FileStream? _stream;
    private long _validLength; // bytes of the file known to be a header and whole records; 0: no usable header
    private long _epoch;       // written into the header of the file being appended to

    public RecordJournal(string directory, string fileName, uint magic, ushort formatVersion, int maxPayload, bool hasEpoch)
    {
        _directory = directory;
        _magic = magic;
        _formatVersion = formatVersion;
        _maxPayload = maxPayload;
        _hasEpoch = hasEpoch;
        Path = System.IO.Path.Combine(directory, fileName);
        HeaderSize = hasEpoch ? 24 : 16;
    }

    public string Path { get; }

    /// <summary>Bytes of the file header.</summary>
    public int HeaderSize { get; }

    /// <summary>Bytes of header and records the journal holds (what compaction is measured against).</summary>
    public long Length => _validLength;

    /// <summary>
    /// Hands each intact record's payload to <paramref name="parse"/>, oldest first, which returns null when it took the
    /// record, or why it could not (reading stops there). With <paramref name="epoch"/>, a journal whose header names
    /// another epoch is left unread and replaced at the next append. Remembers where the intact part ends.
    /// </summary>
    public RecordJournalRead Read(Func<ArraySegment<byte>, string?> parse, long epoch = 0)
    {
        _epoch = epoch;
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(Path);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            _validLength = 0;
            return new RecordJournalRead(0, 0, null, null);
        }

        if (HeaderProblem(bytes) is { } headerProblem)
        {
            _validLength = 0;
            return new RecordJournalRead(0, bytes.Length, headerProblem, null);
        }

        long? fileEpoch = _hasEpoch ? BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(8)) : null;
        if (fileEpoch is { } found && found != epoch)
        {
            _validLength = 0;
            return new RecordJournalRead(0, 0, null, found);
        }

        int position = HeaderSize;
        string? problem = null;
        while (position < bytes.Length)
        {
            if (bytes.Length - position < RecordHeaderSize)
            {
                problem = $"a torn record at byte {position}: {bytes.Length - position} of its {RecordHeaderSize} header bytes";
                break;
            }

            uint length = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(position));
            if (length > _maxPayload)
            {
                problem = $"a damaged record at byte {position}: length {length} is out of range";
                break;
            }

            if (bytes.Length - position - RecordHeaderSize < length)
            {
                problem = $"a torn record at byte {position}: {bytes.Length - position - RecordHeaderSize} of its {length} payload bytes";
                break;
            }

            var record = bytes.AsSpan(position, RecordHeaderSize + (int)length);
            if (RecordCrc(record[..4], record[RecordHeaderSize..]) != BinaryPrimitives.ReadUInt32LittleEndian(record[4..]))
            {
                problem = $"a damaged record at byte {position}: CRC mismatch";
                break;
            }

            if (parse(new ArraySegment<byte>(bytes, position + RecordHeaderSize, (int)length)) is { } unreadable)
            {
                problem = $"an unreadable record at byte {position} ({unreadable})";
                break;
            }

            position += record.Length;
        }

        _validLength = position;
        return new RecordJournalRead(position, bytes.Length - position, problem, fileEpoch);
    }

    /// <summary>Frames <paramref name="payload"/> as one record at the end of <paramref name="buffer"/>.</summary>
    public static void Frame(MemoryStream buffer, ReadOnlySpan<byte> payload)
    {
        Span<byte> header = stackalloc byte[RecordHeaderSize];
        BinaryPrimitives.WriteUInt32LittleEndian(header, (uint)payload.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(header[4..], RecordCrc(header[..4], payload));
        buffer.Write(header);
        buffer.Write(payload);
    }

    /// <summary>Appends records framed by <see cref="Frame"/> as one write and fsyncs it; durable when this returns.</summary>
    public void Append(ReadOnlySpan<byte> records)
    {
        var stream = OpenForAppend();
        try
        {
            stream.Write(records);
            stream.Flush(flushToDisk: true);
            _validLength += records.Length;
        }
        catch
        {
            // What reached the file may be a partial record: the next append reopens and cuts back to the last whole one.
            CloseStream();
            throw;
        }
    }

    /// <summary>
    /// Empties the journal, its header naming <paramref name="epoch"/>; durable on return. Without a file and with
    /// nothing written, there is nothing to empty: the next append writes the header.
    /// </summary>
    public void Reset(long epoch = 0)
    {
        _epoch = epoch;
        if (_validLength == 0 && !File.Exists(Path))
        {
            return;
        }

        _validLength = 0; // the header is written anew
        CloseStream();
        OpenForAppend();
    }

    public void Dispose() => CloseStream();

    /// <summary>
    /// The open journal, positioned at the end of its intact part: a torn or damaged tail is cut off first, and a missing
    /// or damaged header (or one of another epoch) is written anew, durable in its directory before any record depends on it.
    /// </summary>
    private FileStream OpenForAppend()
    {
        if (_stream is not null)
        {
            return _stream;
        }

        Directory.CreateDirectory(_directory);
        bool existed = File.Exists(Path);
        var stream = new FileStream(Path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read, bufferSize: 0);
        try
        {
            if (_validLength < HeaderSize)
            {
                Span<byte> header = stackalloc byte[HeaderSize];
                header.Clear();
                BinaryPrimitives.WriteUInt32LittleEndian(header, _magic);
                BinaryPrimitives.WriteUInt16LittleEndian(header[4..], _formatVersion);
                if (_hasEpoch)
                {
                    BinaryPrimitives.WriteInt64LittleEndian(header[8..], _epoch);
                }

                BinaryPrimitives.WriteUInt32LittleEndian(header[(HeaderSize - 8)..], Crc32.HashToUInt32(header[..(HeaderSize - 8)]));
                stream.SetLength(0);
                stream.Write(header);
                stream.Flush(flushToDisk: true);
                _validLength = HeaderSize;
                if (!existed)
                {
                    NativeFileSystem.SyncDirectory(_directory);
                }
            }
            else if (stream.Length != _validLength)
            {
                stream.SetLength(_validLength);
                stream.Flush(flushToDisk: true);
            }

            stream.Position = _validLength;
        }
        catch
        {
            stream.Dispose();
            throw;
        }

        _stream = stream;
        return stream;
    }

    private void CloseStream()
    {
        var stream = _stream;
        _stream = null;
        stream?.Dispose();
    }

    private string? HeaderProblem(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < HeaderSize)
        {
            return bytes.Length == 0 ? "zero-length file" : $"truncated to {bytes.Length} bytes, inside the {HeaderSize}-byte header";
        }

        if (BinaryPrimitives.ReadUInt32LittleEndian(bytes) != _magic)
        {
            return "no journal header (unknown magic)";
        }

        if (Crc32.HashToUInt32(bytes[..(HeaderSize - 8)]) != BinaryPrimitives.ReadUInt32LittleEndian(bytes[(HeaderSize - 8)..]))
        {
            return "header CRC mismatch";
        }

        int version = BinaryPrimitives.ReadUInt16LittleEndian(bytes[4..]);
        return version > _formatVersion ? $"format version {version} is newer than this broker reads ({_formatVersion})" : null;
    }

    private static uint RecordCrc(ReadOnlySpan<byte> lengthField, ReadOnlySpan<byte> payload)
    {
        var crc = new Crc32();
        crc.Append(lengthField);
        crc.Append(payload);
        return crc.GetCurrentHashAsUInt32();
    }
}

/// <summary>What <see cref="RecordJournal.Read"/> found.</summary>
/// <param name="ValidBytes">Bytes of header and intact records (0 without a usable header, or of another epoch).</param>
/// <param name="DroppedBytes">Bytes after them that are not used (a torn or damaged tail, or a whole file with a bad header).</param>
/// <param name="Problem">Why reading stopped early; null when the whole file was read (or there is none).</param>
/// <param name="Epoch">The epoch in the header, for a journal that has one and a readable header.</param>
internal readonly record struct RecordJournalRead(long ValidBytes, long DroppedBytes, string? Problem, long? Epoch);
