using System.Buffers.Binary;
using AgentBus.Broker.Storage;
using Microsoft.Extensions.Time.Testing;

namespace AgentBus.Broker.Tests.Storage;

/// <summary>The atomic-replace helper on its own: which copy a read picks after each kind of crash or damage.</summary>
public sealed class StateFileTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero));

    private StateFile Open(TempDirectory directory) => new(directory.Path, "state.bin", StateFileKind.ConsumerOffsets, _time);

    private static StateFileLoad<string> Read(StateFile file) =>
        file.Load((bytes, offset, count) => System.Text.Encoding.UTF8.GetString(bytes, offset, count));

    private static void Write(StateFile file, string text) => file.Write(s => s.Write(System.Text.Encoding.UTF8.GetBytes(text)));

    [Fact]
    public void EachWriteKeepsThePreviousCopyAndLeavesNoTempFile()
    {
        using var directory = new TempDirectory();
        var file = Open(directory);
        Write(file, "one");
        _time.Advance(TimeSpan.FromMinutes(1));
        Write(file, "two");

        var load = Read(file);
        Assert.Equal(("two", StateFileCopy.Current), (load.Value, load.Copy));
        Assert.Equal(_time.GetUtcNow(), load.WrittenAt);
        Assert.False(File.Exists(file.TempPath));
        Assert.Equal(StateFile.HeaderSize + 3, new FileInfo(file.PreviousPath).Length);
        Assert.Empty(load.Problems);
    }

    [Fact]
    public void ACrashBetweenTheTwoRenamesLeavesTheNewestStateInTheTempFile()
    {
        using var directory = new TempDirectory();
        var file = Open(directory);
        Write(file, "old");
        Write(file, "new");
        // A crash between the renames of a third write: the current copy already moved to .prev, the fsynced temp
        // file not yet renamed.
        File.Move(file.PreviousPath, file.PreviousPath + ".x");
        File.Move(file.Path, file.PreviousPath);
        var third = Open(directory);
        Write(third, "newest");
        File.Move(third.Path, third.TempPath);
        File.Move(third.PreviousPath, third.Path + ".y");
        File.Move(file.PreviousPath + ".x", file.PreviousPath);

        var load = Read(Open(directory));

        Assert.Equal(("newest", StateFileCopy.Temporary), (load.Value, load.Copy));
        Assert.Equal("state.bin: missing", Assert.Single(load.Problems).ToString());
        Assert.Equal(("newest", StateFileCopy.Current), (Read(Open(directory)).Value, Read(Open(directory)).Copy));
    }

    [Fact]
    public void AFileOfAnotherKindOrANewerFormatIsNotRead()
    {
        using var directory = new TempDirectory();
        var metadata = new StateFile(directory.Path, "state.bin", StateFileKind.Metadata, _time);
        Write(metadata, "{}");

        var load = Read(Open(directory));
        Assert.Null(load.Value);
        Assert.Contains("holds Metadata state, not ConsumerOffsets", load.Describe(), StringComparison.Ordinal);

        byte[] bytes = File.ReadAllBytes(metadata.Path);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(4), StateFile.FormatVersion + 1);
        File.WriteAllBytes(metadata.Path, bytes);
        Assert.Contains("header checksum mismatch", Read(Open(directory)).Describe(), StringComparison.Ordinal);

        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(6), (ushort)StateFileKind.ConsumerOffsets);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(40), System.IO.Hashing.XxHash3.HashToUInt64(bytes.AsSpan(0, 40)));
        File.WriteAllBytes(metadata.Path, bytes);
        Assert.Contains($"format version {StateFile.FormatVersion + 1} is newer", Read(Open(directory)).Describe(), StringComparison.Ordinal);
    }

    [Fact]
    public void ADamagedCurrentCopyIsKeptForInspectionWhenTheOlderOneReplacesIt()
    {
        using var directory = new TempDirectory();
        var file = Open(directory);
        Write(file, "good");
        Write(file, "newer");
        byte[] damaged = File.ReadAllBytes(file.Path);
        damaged[^1] ^= 1;
        File.WriteAllBytes(file.Path, damaged);

        var load = Read(Open(directory));

        Assert.Equal(("good", StateFileCopy.Previous), (load.Value, load.Copy));
        Assert.Equal(damaged, File.ReadAllBytes(file.DamagedPath));
        Assert.Equal("good", Read(Open(directory)).Value);
        Assert.True(File.Exists(file.PreviousPath)); // still the fallback
    }
}
