using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text.Json;
using AgentBus.Broker.Storage;

namespace AgentBus.Broker.Topics;

/// <summary>
/// <c>metadata.journal</c>: the definition changes made since <c>metadata.json</c> was last written, appended and
/// fsynced one call at a time, so a change costs one small append whatever the number of definitions.
/// <para>Layout: a 16-byte header (magic, format version, CRC-32 of both), then records of
/// <c>[payload length: u32][CRC-32 of length and payload: u32][payload: UTF-8 JSON of a <see cref="MetadataChange"/>]</c>.</para>
/// <para>Read: records up to the first one that is incomplete (a torn tail from a crash mid-append), fails its CRC or
/// does not parse; that record and everything after it are dropped, and the next append truncates them away before
/// writing. A journal with a damaged header holds nothing usable. Reading never changes the file.</para>
/// </summary>
internal sealed class MetadataJournal : IDisposable
{
    public const string FileName = "metadata.journal";

    /// <summary>Bytes of the file header.</summary>
    public const int HeaderSize = 16;

    /// <summary>Bytes in front of each record's payload.</summary>
    public const int RecordHeaderSize = 8;

    private const uint Magic = 0x4A4D4241; // "ABMJ" little-endian
    private const ushort FormatVersion = 1;

    /// <summary>A definition is a few hundred bytes; a longer length field is damage, not a record.</summary>
    private const int MaxPayload = 1 << 20;

    private readonly string _directory;
    private FileStream? _stream;
    private long _validLength; // bytes of the file known to be a header and whole records; 0: no usable header

    public MetadataJournal(string directory)
    {
        _directory = directory;
        Path = System.IO.Path.Combine(directory, FileName);
    }

    public string Path { get; }

    /// <summary>Bytes of header and records the journal holds (what compaction is measured against).</summary>
    public long Length => _validLength;

    /// <summary>Reads the journal's changes, oldest first. Remembers where the intact part ends for the next append.</summary>
    public MetadataJournalLoad Read()
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(Path);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            _validLength = 0;
            return new MetadataJournalLoad([], 0, 0, null);
        }

        if (HeaderProblem(bytes) is { } headerProblem)
        {
            _validLength = 0;
            return new MetadataJournalLoad([], 0, bytes.Length, headerProblem);
        }

        var changes = new List<MetadataChange>();
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
            if (length > MaxPayload)
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

            try
            {
                var change = JsonSerializer.Deserialize(record[RecordHeaderSize..], MetadataChangeJsonContext.Default.MetadataChange)
                    ?? throw new InvalidDataException("the record is null");
                change.ApplyTo(new Dictionary<string, TopicDefinition>(), new Dictionary<string, ConsumerGroupDefinition>()); // checks its shape
                changes.Add(change);
            }
            catch (Exception ex) when (ex is JsonException or InvalidDataException or NotSupportedException)
            {
                problem = $"an unreadable record at byte {position} ({ex.Message})";
                break;
            }

            position += record.Length;
        }

        _validLength = position;
        return new MetadataJournalLoad(changes, position, bytes.Length - position, problem);
    }

    /// <summary>Appends <paramref name="changes"/> as one write and fsyncs it; they are durable when this returns.</summary>
    public void Append(IReadOnlyList<MetadataChange> changes)
    {
        using var buffer = new MemoryStream();
        Span<byte> recordHeader = stackalloc byte[RecordHeaderSize];
        foreach (var change in changes)
        {
            byte[] payload = JsonSerializer.SerializeToUtf8Bytes(change, MetadataChangeJsonContext.Default.MetadataChange);
            BinaryPrimitives.WriteUInt32LittleEndian(recordHeader, (uint)payload.Length);
            BinaryPrimitives.WriteUInt32LittleEndian(recordHeader[4..], RecordCrc(recordHeader[..4], payload));
            buffer.Write(recordHeader);
            buffer.Write(payload);
        }

        var stream = OpenForAppend();
        try
        {
            stream.Write(buffer.GetBuffer(), 0, (int)buffer.Length);
            stream.Flush(flushToDisk: true);
            _validLength += buffer.Length;
        }
        catch
        {
            // What reached the file may be a partial record: the next append reopens and cuts back to the last whole one.
            CloseStream();
            throw;
        }
    }

    /// <summary>Empties the journal (after its changes went into the full file), keeping the header; durable on return.</summary>
    public void Reset()
    {
        if (_validLength == 0 && !File.Exists(Path))
        {
            return; // nothing written since the last compaction, and no file to empty
        }

        var stream = OpenForAppend();
        try
        {
            stream.SetLength(HeaderSize);
            stream.Flush(flushToDisk: true);
            _validLength = HeaderSize;
        }
        catch
        {
            CloseStream();
            throw;
        }
    }

    public void Dispose() => CloseStream();

    /// <summary>
    /// The open journal, positioned at the end of its intact part: a torn or damaged tail is cut off first, and a missing
    /// or damaged header is written anew (the file is then durable in its directory before any record depends on it).
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
                BinaryPrimitives.WriteUInt32LittleEndian(header, Magic);
                BinaryPrimitives.WriteUInt16LittleEndian(header[4..], FormatVersion);
                BinaryPrimitives.WriteUInt32LittleEndian(header[8..], Crc32.HashToUInt32(header[..8]));
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

    private static string? HeaderProblem(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < HeaderSize)
        {
            return bytes.Length == 0 ? "zero-length file" : $"truncated to {bytes.Length} bytes, inside the {HeaderSize}-byte header";
        }

        if (BinaryPrimitives.ReadUInt32LittleEndian(bytes) != Magic)
        {
            return "no journal header (unknown magic)";
        }

        if (Crc32.HashToUInt32(bytes[..8]) != BinaryPrimitives.ReadUInt32LittleEndian(bytes[8..]))
        {
            return "header CRC mismatch";
        }

        int version = BinaryPrimitives.ReadUInt16LittleEndian(bytes[4..]);
        return version > FormatVersion ? $"format version {version} is newer than this broker reads ({FormatVersion})" : null;
    }

    private static uint RecordCrc(ReadOnlySpan<byte> lengthField, ReadOnlySpan<byte> payload)
    {
        var crc = new Crc32();
        crc.Append(lengthField);
        crc.Append(payload);
        return crc.GetCurrentHashAsUInt32();
    }
}

/// <summary>What <see cref="MetadataJournal.Read"/> found.</summary>
/// <param name="Changes">The intact changes, oldest first.</param>
/// <param name="ValidBytes">Bytes of header and intact records.</param>
/// <param name="DroppedBytes">Bytes after them that are not used (a torn or damaged tail, or a whole file with a bad header).</param>
/// <param name="Problem">Why reading stopped early; null when the whole file was read (or there is none).</param>
internal sealed record MetadataJournalLoad(IReadOnlyList<MetadataChange> Changes, long ValidBytes, long DroppedBytes, string? Problem);
