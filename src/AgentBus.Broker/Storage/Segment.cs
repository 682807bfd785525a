using System.IO.MemoryMappedFiles;
using Microsoft.Win32.SafeHandles;

namespace AgentBus.Broker.Storage;

/// <summary>
/// One memory-mapped segment file. Its lifetime is reference counted: the log holds one reference and every reader
/// or flush holds another while it touches the mapping, so a segment deleted by retention is unmapped only after the
/// last reader is done and a racing read sees <see cref="TryAcquire"/> fail instead of touching unmapped memory.
/// </summary>
internal sealed unsafe class Segment
{
    private readonly SafeFileHandle _file;
    private readonly MemoryMappedFile _map;
    private readonly MemoryMappedViewAccessor _view;
    private readonly byte* _pointer;
    private int _references = 1;
    private int _deleteRequested;
    private int _fileDeleted;

    private Segment(string path, long basePosition, int size, SafeFileHandle file)
    {
        Path = path;
        BasePosition = basePosition;
        Size = size;
        _file = file;
        _map = MemoryMappedFile.CreateFromFile(file, mapName: null, size, MemoryMappedFileAccess.ReadWrite, HandleInheritability.None, leaveOpen: true);
        try
        {
            _view = _map.CreateViewAccessor(0, size, MemoryMappedFileAccess.ReadWrite);
            byte* pointer = null;
            _view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
            _pointer = pointer + _view.PointerOffset;
        }
        catch
        {
            _view?.Dispose();
            _map.Dispose();
            throw;
        }
    }

    /// <summary>Current file path; changes once when a prepared segment joins the log (guarded by the append lock until published).</summary>
    public string Path { get; private set; }

    public long BasePosition { get; }

    public int Size { get; }

    public long EndPosition => BasePosition + Size;

    /// <summary>
    /// Creates a zeroed segment file of <paramref name="size"/> bytes. <paramref name="mode"/> is
    /// <see cref="FileMode.CreateNew"/> for prepared segments, so an existing (possibly mapped) file is never truncated.
    /// </summary>
    public static Segment Create(string path, long basePosition, int size, FileMode mode = FileMode.Create)
    {
        // Real preallocation (fallocate) rather than a sparse file: the first write to each page then needs no block
        // allocation (about 10x cheaper per page fault on ext4), and a full disk fails here with an IOException instead
        // of a SIGBUS on a later write through the mapping.
        var file = File.OpenHandle(path, mode, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete,
            FileOptions.None, preallocationSize: size);
        try
        {
            RandomAccess.SetLength(file, size);
            return new Segment(path, basePosition, size, file);
        }
        catch
        {
            file.Dispose();
            File.Delete(path);
            throw;
        }
    }

    /// <summary>
    /// Maps an existing segment file. A file shorter than <paramref name="size"/> (cut by a crash or by hand) is
    /// extended with zeros first, so the mapping never reaches past the end of the file (which would fault).
    /// </summary>
    public static Segment Open(string path, long basePosition, int size, out long originalLength)
    {
        var file = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
        try
        {
            originalLength = RandomAccess.GetLength(file);
            if (originalLength < size)
            {
                RandomAccess.SetLength(file, size);
            }

            return new Segment(path, basePosition, size, file);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>Gives the file its final name; rename(2) replaces atomically and works on an open, mapped file.</summary>
    public void Rename(string path)
    {
        File.Move(Path, path, overwrite: true);
        Path = path;
    }

    /// <summary>Bytes of the mapping; only valid while a reference is held.</summary>
    public Span<byte> GetSpan(int offset, int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, Size - offset);
        return new Span<byte>(_pointer + offset, length);
    }

    /// <summary>Adds a reader reference; false once the segment is closed or deleted.</summary>
    public bool TryAcquire()
    {
        var current = Volatile.Read(ref _references);
        while (current > 0)
        {
            var seen = Interlocked.CompareExchange(ref _references, current + 1, current);
            if (seen == current)
            {
                return true;
            }

            current = seen;
        }

        return false;
    }

    /// <summary>Drops a reference; the last one unmaps and closes the file (and deletes it if requested).</summary>
    public void Release()
    {
        var remaining = Interlocked.Decrement(ref _references);
        if (remaining == 0)
        {
            Close();
        }
        else if (remaining < 0)
        {
            throw new InvalidOperationException($"Segment {Path} released more often than acquired.");
        }
    }

    /// <summary>
    /// Removes the file and drops the log's reference. The file is unlinked at once where the OS allows it (Unix);
    /// the mapping stays valid for readers holding a reference until they release it.
    /// </summary>
    public void Delete()
    {
        if (Interlocked.Exchange(ref _deleteRequested, 1) != 0)
        {
            return;
        }

        TryDeleteFile();
        Release();
    }

    /// <summary>fsync(2) of the whole file. Writes through a shared mapping live in the same page cache, so this
    /// writes them back too. Caller holds a reference.</summary>
    public void Flush() => RandomAccess.FlushToDisk(_file);

    /// <summary>
    /// Makes bytes [<paramref name="from"/>, <paramref name="to"/>) durable: msync(MS_SYNC) of just that range on
    /// Linux, so pages faulted in ahead of the writer (still zero) are not written; fsync of the file elsewhere.
    /// Caller holds a reference.
    /// </summary>
    public void Flush(int from, int to)
    {
        if (to <= from)
        {
            return;
        }

        // msync wants a page-aligned start; the mapping itself starts on a page boundary.
        var start = from - (from % Environment.SystemPageSize);
        if (!NativeFileSystem.TrySyncRange(_pointer + start, (nuint)(to - start)))
        {
            Flush();
        }
    }

    /// <summary>
    /// Unmaps the whole pages within [<paramref name="from"/>, <paramref name="to"/>) from this process (see
    /// <see cref="NativeFileSystem.ReleasePages"/>); the bytes must be flushed. A later access maps them in again from
    /// the page cache. Caller holds a reference.
    /// </summary>
    public void ReleasePages(int from, int to)
    {
        var pageSize = Environment.SystemPageSize;
        var start = (from + pageSize - 1) / pageSize * (long)pageSize;
        var end = to / pageSize * (long)pageSize;
        if (end > start)
        {
            NativeFileSystem.ReleasePages(_pointer + start, (nuint)(end - start));
        }
    }

    /// <summary>
    /// Drops the pages of [<paramref name="from"/>, <paramref name="to"/>) from the page cache (see
    /// <see cref="NativeFileSystem.DropCached"/>); the bytes must be flushed and released. Caller holds a reference.
    /// </summary>
    public void DropCachedPages(int from, int to)
    {
        if (to > from)
        {
            NativeFileSystem.DropCached(_file, from, to - from);
        }
    }

    /// <summary>Marks the segment as the one being appended to (see <see cref="NativeFileSystem.AdviseAppending"/>).</summary>
    public void AdviseAppending() => NativeFileSystem.AdviseAppending(_pointer, (nuint)Size);

    /// <summary>Marks the segment as sealed: read-only from now on, so read-ahead helps cold readers again.</summary>
    public void AdviseReading() => NativeFileSystem.AdviseReading(_pointer, (nuint)Size);

    /// <summary>
    /// Faults in the pages of [<paramref name="from"/>, <paramref name="to"/>) for writing without changing their
    /// contents, so appends copy into mapped memory instead of taking a page fault (and the kernel's read-around)
    /// for every page. Caller holds a reference.
    /// </summary>
    public void Prefault(int from, int to)
    {
        var pageSize = Environment.SystemPageSize;
        var start = from - (from % pageSize);
        if (to <= start || NativeFileSystem.TryPopulateWrite(_pointer + start, (nuint)(to - start)))
        {
            return;
        }

        // Older kernels: a compare-exchange of 0 with 0 needs write access (so it faults the page in for writing)
        // but never changes a byte, even when an append writes the same page concurrently.
        for (long offset = start; offset < to; offset += pageSize)
        {
            Interlocked.CompareExchange(ref *(int*)(_pointer + offset), 0, 0);
        }
    }

    /// <summary>
    /// Bytes from <paramref name="offset"/> to the last non-zero byte of the segment, or 0 when the rest is zeros.
    /// Holes and preallocated-but-unwritten extents are skipped without being read where the OS reports them.
    /// </summary>
    public long MeasureData(int offset)
    {
        var dataEnd = NativeFileSystem.DataEnd(_file, offset, Size);
        const int Chunk = 1 << 20;
        for (var end = dataEnd; end > offset;)
        {
            var start = Math.Max(offset, end - Chunk);
            var last = GetSpan((int)start, (int)(end - start)).LastIndexOfAnyExcept((byte)0);
            if (last >= 0)
            {
                return start + last + 1 - offset;
            }

            end = start;
        }

        return 0;
    }

    public bool FileDeleted => Volatile.Read(ref _fileDeleted) != 0;

    private void TryDeleteFile()
    {
        try
        {
            File.Delete(Path);
            Volatile.Write(ref _fileDeleted, 1);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Windows refuses to delete a mapped file; Close retries once the mapping is gone.
        }
    }

    private void Close()
    {
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _map.Dispose();
        _file.Dispose();
        if (Volatile.Read(ref _deleteRequested) != 0 && !FileDeleted)
        {
            TryDeleteFile();
        }
    }
}
