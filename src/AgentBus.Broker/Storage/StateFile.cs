using System.Buffers.Binary;
using System.IO.Hashing;

namespace AgentBus.Broker.Storage;

/// <summary>
/// One broker state file (everything but the commit log segments), replaced atomically and checked on read.
/// <para>Write: the payload goes to <c>name.tmp</c> behind a header (magic, format version, kind, generation, write
/// time, payload length, XxHash3 of the payload, XxHash3 of the header), the temp file is fsynced, the current file
/// becomes <c>name.prev</c>, the temp file is renamed over <c>name</c> and the directory is fsynced (so both renames
/// are durable; Windows skips the directory fsync, see <see cref="NativeFileSystem.SyncDirectory"/>). A crash at any
/// point leaves an intact newest copy: <c>name</c>, or, between the two renames, the fsynced <c>name.tmp</c>.</para>
/// <para>Read: <c>name</c> when it is intact; otherwise the intact one of <c>name.tmp</c> and <c>name.prev</c> with the
/// highest generation, which is then promoted to <c>name</c> (a damaged <c>name</c> is kept as <c>name.damaged</c>).
/// What was wrong with each copy is returned, so the owner can say what the fallback costs.</para>
/// </summary>
internal sealed class StateFile
{
    /// <summary>Format version written now; readers accept it and refuse newer ones.</summary>
    public const int FormatVersion = 1;

    /// <summary>Bytes before the payload.</summary>
    public const int HeaderSize = 48;

    private const uint Magic = 0x46534241; // "ABSF" little-endian
    private const int HashedHeaderBytes = 40;

    private readonly string _directory;
    private readonly StateFileKind _kind;
    private readonly TimeProvider _time;
    private readonly Lock _writeLock = new();
    private long _generation = -1; // highest generation seen or written; guarded by _writeLock once running

    public StateFile(string directory, string fileName, StateFileKind kind, TimeProvider time)
    {
        _directory = directory;
        _kind = kind;
        _time = time;
        Path = System.IO.Path.Combine(directory, fileName);
    }

    /// <summary>The current copy, e.g. <c>data/offsets.bin</c>.</summary>
    public string Path { get; }

    /// <summary>The copy replaced by the last write, kept as the fallback for a damaged current copy.</summary>
    public string PreviousPath => Path + ".prev";

    /// <summary>The copy being written; intact only when a crash came between its fsync and its rename.</summary>
    public string TempPath => Path + ".tmp";

    /// <summary>Where a damaged current copy is moved when an older copy replaces it, for inspection.</summary>
    public string DamagedPath => Path + ".damaged";

    /// <summary>Replaces the file atomically with what <paramref name="writePayload"/> writes.</summary>
    public void Write(Action<Stream> writePayload)
    {
        // Periodic checkpoints, explicit ones and the one at shutdown may overlap; they share the temp file.
        lock (_writeLock)
        {
            long generation = NextGeneration();
            WriteTemp(writePayload, generation);
            if (File.Exists(Path))
            {
                File.Move(Path, PreviousPath, overwrite: true);
            }

            File.Move(TempPath, Path, overwrite: true);
            NativeFileSystem.SyncDirectory(_directory);
        }
    }

    /// <summary>
    /// Reads the newest intact copy. <paramref name="parse"/> turns a payload into a value and throws
    /// (<see cref="InvalidDataException"/>, <see cref="EndOfStreamException"/>, ...) when the content is not valid, which
    /// makes the copy count as damaged. <paramref name="parseLegacy"/>, when given, reads a file without a header (the
    /// format before this one; null: not read); when it returns a value, the file is rewritten in the current format at once (the
    /// legacy bytes become the payload, so the current payload format must be the legacy file's layout).
    /// </summary>
    public StateFileLoad<T> Load<T>(Func<byte[], int, int, T> parse, Func<byte[], T>? parseLegacy = null)
    {
        var problems = new List<StateFileProblem>();
        var current = Inspect(Path, problems, allowLegacy: parseLegacy is not null);
        if (current.Bytes is not null && TryParse(current, parse, parseLegacy, problems, out T? value))
        {
            if (current.Legacy)
            {
                byte[] legacy = current.Bytes;
                Write(stream => stream.Write(legacy));
            }

            return new StateFileLoad<T>(value, StateFileCopy.Current, Path, current.WrittenAt, current.Legacy, problems);
        }

        bool currentExists = current.Exists;
        var temp = Inspect(TempPath, problems, allowLegacy: false);
        var previous = Inspect(PreviousPath, problems, allowLegacy: parseLegacy is not null);
        if (!currentExists && (temp.Exists || previous.Exists))
        {
            problems.Insert(0, new StateFileProblem(Path, "missing"));
        }

        foreach (var (candidate, copy) in new[] { (temp, StateFileCopy.Temporary), (previous, StateFileCopy.Previous) }
                     .Where(c => c.Item1.Bytes is not null)
                     .OrderByDescending(c => c.Item1.Generation))
        {
            if (TryParse(candidate, parse, parseLegacy, problems, out value))
            {
                Promote(candidate, currentExists);
                return new StateFileLoad<T>(value, copy, candidate.Path, candidate.WrittenAt, candidate.Legacy, problems);
            }
        }

        return new StateFileLoad<T>(default, StateFileCopy.None, null, null, false, problems);
    }

    private bool TryParse<T>(Candidate candidate, Func<byte[], int, int, T> parse, Func<byte[], T>? parseLegacy,
        List<StateFileProblem> problems, out T? value)
    {
        try
        {
            value = candidate.Legacy
                ? parseLegacy!(candidate.Bytes!)
                : parse(candidate.Bytes!, HeaderSize, candidate.Bytes!.Length - HeaderSize);
            if (value is null)
            {
                // The owner does not read the legacy format (a cache it rebuilds instead).
                problems.Add(new StateFileProblem(candidate.Path, "in the format before the state file header, not read"));
                return false;
            }

            return true;
        }
        catch (Exception ex) when (ex is InvalidDataException or EndOfStreamException or FormatException or ArgumentException
                                       or System.Text.Json.JsonException or OverflowException or NotSupportedException)
        {
            problems.Add(new StateFileProblem(candidate.Path, candidate.Legacy
                ? $"not a {_kind} file in any known format ({ex.Message})"
                : $"intact checksum but unreadable content ({ex.Message})"));
            value = default;
            return false;
        }
    }

    /// <summary>Makes the copy recovery chose the current one again, so the next write keeps a good fallback.</summary>
    private void Promote(Candidate chosen, bool currentExists)
    {
        if (currentExists)
        {
            File.Move(Path, DamagedPath, overwrite: true);
        }

        if (chosen.Legacy || chosen.Path == PreviousPath)
        {
            // Copy, not move: the previous copy stays the fallback until a newer write succeeds.
            byte[] bytes = chosen.Bytes!;
            int offset = chosen.Legacy ? 0 : HeaderSize;
            WriteTemp(stream => stream.Write(bytes, offset, bytes.Length - offset), NextGeneration());
        }

        File.Move(TempPath, Path, overwrite: true);
        NativeFileSystem.SyncDirectory(_directory);
    }

    private void WriteTemp(Action<Stream> writePayload, long generation)
    {
        Directory.CreateDirectory(_directory);
        using var file = new FileStream(TempPath, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
        // A zeroed header until the payload is complete: a crash mid-write leaves a copy no reader accepts.
        file.Write(new byte[HeaderSize]);
        var hash = new XxHash3();
        using (var hashing = new HashingWriteStream(file, hash))
        {
            writePayload(hashing);
        }

        long length = file.Position - HeaderSize;
        Span<byte> header = stackalloc byte[HeaderSize];
        BinaryPrimitives.WriteUInt32LittleEndian(header, Magic);
        BinaryPrimitives.WriteUInt16LittleEndian(header[4..], FormatVersion);
        BinaryPrimitives.WriteUInt16LittleEndian(header[6..], (ushort)_kind);
        BinaryPrimitives.WriteInt64LittleEndian(header[8..], generation);
        BinaryPrimitives.WriteInt64LittleEndian(header[16..], _time.GetUtcNow().ToUnixTimeMilliseconds());
        BinaryPrimitives.WriteInt64LittleEndian(header[24..], length);
        BinaryPrimitives.WriteUInt64LittleEndian(header[32..], hash.GetCurrentHashAsUInt64());
        BinaryPrimitives.WriteUInt64LittleEndian(header[40..], XxHash3.HashToUInt64(header[..HashedHeaderBytes]));
        file.Position = 0;
        file.Write(header);
        file.Flush(flushToDisk: true);
    }

    private long NextGeneration()
    {
        if (_generation < 0)
        {
            // Not loaded yet (a first write): continue after whatever copies are on disk.
            _generation = Math.Max(PeekGeneration(Path), PeekGeneration(PreviousPath));
        }

        return ++_generation;
    }

    private long PeekGeneration(string path)
    {
        Span<byte> header = stackalloc byte[HeaderSize];
        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
            return file.ReadAtLeast(header, HeaderSize, throwOnEndOfStream: false) == HeaderSize && HeaderProblem(header) is null
                ? BinaryPrimitives.ReadInt64LittleEndian(header[8..])
                : 0;
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return 0;
        }
    }

    /// <summary>Reads one copy and checks it; a copy with a problem has no bytes and the problem is recorded.</summary>
    private Candidate Inspect(string path, List<StateFileProblem> problems, bool allowLegacy)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return new Candidate(path, false, null, 0, null, false);
        }

        if (bytes.Length == 0)
        {
            problems.Add(new StateFileProblem(path, "zero-length file"));
            return new Candidate(path, true, null, 0, null, false);
        }

        bool magic = bytes.Length >= 4 && BinaryPrimitives.ReadUInt32LittleEndian(bytes) == Magic;
        if (!magic)
        {
            if (allowLegacy)
            {
                return new Candidate(path, true, bytes, 0, null, true);
            }

            problems.Add(new StateFileProblem(path, bytes.Length < 4 ? $"truncated to {bytes.Length} bytes" : "no state file header (unknown magic)"));
            return new Candidate(path, true, null, 0, null, false);
        }

        if (bytes.Length < HeaderSize)
        {
            problems.Add(new StateFileProblem(path, $"truncated to {bytes.Length} bytes, inside the {HeaderSize}-byte header"));
            return new Candidate(path, true, null, 0, null, false);
        }

        var header = bytes.AsSpan(0, HeaderSize);
        string? problem = HeaderProblem(header);
        if (problem is not null)
        {
            problems.Add(new StateFileProblem(path, problem));
            return new Candidate(path, true, null, 0, null, false);
        }

        long generation = BinaryPrimitives.ReadInt64LittleEndian(header[8..]);
        _generation = Math.Max(_generation, generation);
        long length = BinaryPrimitives.ReadInt64LittleEndian(header[24..]);
        long stored = bytes.Length - HeaderSize;
        if (stored != length)
        {
            problems.Add(new StateFileProblem(path, stored < length
                ? $"truncated: {stored} of {length} payload bytes present"
                : $"{stored - length} unexpected bytes after the {length}-byte payload"));
            return new Candidate(path, true, null, generation, null, false);
        }

        if (XxHash3.HashToUInt64(bytes.AsSpan(HeaderSize)) != BinaryPrimitives.ReadUInt64LittleEndian(header[32..]))
        {
            problems.Add(new StateFileProblem(path, "payload checksum mismatch"));
            return new Candidate(path, true, null, generation, null, false);
        }

        var writtenAt = DateTimeOffset.FromUnixTimeMilliseconds(BinaryPrimitives.ReadInt64LittleEndian(header[16..]));
        return new Candidate(path, true, bytes, generation, writtenAt, false);
    }

    private string? HeaderProblem(ReadOnlySpan<byte> header)
    {
        if (BinaryPrimitives.ReadUInt32LittleEndian(header) != Magic)
        {
            return "no state file header (unknown magic)";
        }

        if (XxHash3.HashToUInt64(header[..HashedHeaderBytes]) != BinaryPrimitives.ReadUInt64LittleEndian(header[HashedHeaderBytes..]))
        {
            return "header checksum mismatch";
        }

        int version = BinaryPrimitives.ReadUInt16LittleEndian(header[4..]);
        if (version > FormatVersion)
        {
            return $"format version {version} is newer than this broker reads ({FormatVersion})";
        }

        var kind = (StateFileKind)BinaryPrimitives.ReadUInt16LittleEndian(header[6..]);
        return kind == _kind ? null : $"holds {kind} state, not {_kind}";
    }

    private sealed record Candidate(string Path, bool Exists, byte[]? Bytes, long Generation, DateTimeOffset? WrittenAt, bool Legacy);

    /// <summary>Feeds every byte written through it to a running hash; the inner stream stays open.</summary>
    private sealed class HashingWriteStream(Stream inner, NonCryptographicHashAlgorithm hash) : Stream
    {
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() => inner.Flush();
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            hash.Append(buffer);
            inner.Write(buffer);
        }

        public override void WriteByte(byte value) => Write([value]);
    }
}
