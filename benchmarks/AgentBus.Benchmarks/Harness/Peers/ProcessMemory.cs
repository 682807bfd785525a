using System.Globalization;

namespace AgentBus.Benchmarks.Harness.Peers;

/// <summary>
/// A process's resident memory from <c>/proc/PID/status</c>: the whole resident set (VmRSS) and its parts, anonymous
/// pages (heap, stacks, runtime) and file-backed pages (mapped files such as a commit log, and code) together with
/// shared memory.
/// </summary>
internal readonly record struct ProcessMemory(long Resident, long Anonymous, long FileBacked)
{
    public static ProcessMemory Of(int pid)
    {
        long rss = 0, anon = 0, file = 0, shmem = 0;
        foreach (string line in File.ReadLines($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                rss = Kilobytes(line);
            }
            else if (line.StartsWith("RssAnon:", StringComparison.Ordinal))
            {
                anon = Kilobytes(line);
            }
            else if (line.StartsWith("RssFile:", StringComparison.Ordinal))
            {
                file = Kilobytes(line);
            }
            else if (line.StartsWith("RssShmem:", StringComparison.Ordinal))
            {
                shmem = Kilobytes(line);
            }
        }

        return new ProcessMemory(rss, anon, file + shmem);
    }

    public static ProcessMemory operator -(ProcessMemory a, ProcessMemory b) =>
        new(a.Resident - b.Resident, a.Anonymous - b.Anonymous, a.FileBacked - b.FileBacked);

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"RSS {Resident / 1048576.0:F1} MiB (anonymous {Anonymous / 1048576.0:F1} MiB, file-backed {FileBacked / 1048576.0:F1} MiB)");

    private static long Kilobytes(string line) =>
        long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
}
