using System.Text.RegularExpressions;
using InitLab.Io;

namespace InitLab.Tests.Io;

/// <summary>Class 4 of issue 17: temporary files at unpredictable names, created new, never through a planted symlink; stale ones cleaned up.</summary>
public class AtomicFileTests
{
    [Fact]
    public void TemporaryNamesAreRandomAndCarryTheOwnersPid()
    {
        var names = Enumerable.Range(0, 1000).Select(_ => AtomicFile.TemporaryName("/x/model.safetensors")).ToHashSet();
        Assert.Equal(1000, names.Count);
        Assert.All(names, n => Assert.Matches($@"^/x/model\.safetensors\.{Environment.ProcessId}\.[0-9a-f]{{16}}\.tmp$", n));
    }

    [SkippableFact]
    public void SymlinksPlantedAtTheTargetAndAtThePredictableOldNameTouchNothingOutside()
    {
        Skip.If(OperatingSystem.IsWindows(), "symlinks need privileges on Windows");
        using var shared = new TempDir();
        using var outside = new TempDir();
        string victim = outside.File("victim.txt"), target = shared.File("model.safetensors");
        File.WriteAllText(victim, "precious");
        // The old scheme's name, and the target itself, both point outside the folder.
        File.CreateSymbolicLink($"{target}.{Environment.ProcessId}.tmp", victim);
        File.CreateSymbolicLink(target, victim);

        AtomicFile.WriteAllText(target, "new content");

        Assert.Equal("precious", File.ReadAllText(victim));
        Assert.Null(new FileInfo(target).LinkTarget);  // the symlink was replaced, not followed
        Assert.Equal("new content", File.ReadAllText(target));
        Assert.Equal(["victim.txt"], Directory.GetFileSystemEntries(outside.Path).Select(Path.GetFileName));
        // No temporary file is left beside the target (the planted link is not ours to remove).
        Assert.DoesNotContain(Directory.GetFiles(shared.Path), f => Regex.IsMatch(f, @"\.[0-9a-f]{16}\.tmp$"));
    }

    [SkippableFact]
    public void CreateNewRefusesASymlinkAtTheTemporaryName()
    {
        Skip.If(OperatingSystem.IsWindows(), "symlinks need privileges on Windows");
        // What AtomicFile relies on should a name ever be guessed: create-new does not follow a
        // symlink (O_CREAT|O_EXCL), even a dangling one, and the file it points to stays untouched.
        using var d = new TempDir();
        string victim = d.File("victim"), tmp = AtomicFile.TemporaryName(d.File("m"));
        File.CreateSymbolicLink(tmp, victim);
        Assert.Throws<IOException>(() => new FileStream(tmp, FileMode.CreateNew, FileAccess.Write));
        Assert.False(File.Exists(victim));
    }

    [Fact]
    public void StaleTemporariesOfDeadProcessesAreRemovedAndLiveOnesKept()
    {
        using var d = new TempDir();
        string target = d.File("checkpoint.safetensors");
        int dead = DeadPid();
        string old = $"{target}.{dead}.0123456789abcdef.tmp", legacy = $"{target}.{dead}.tmp";
        string fresh = $"{target}.{dead}.fedcba9876543210.tmp", mine = $"{target}.{Environment.ProcessId}.00000000000000aa.tmp";
        string ancient = $"{target}.{Environment.ProcessId}.00000000000000bb.tmp", other = d.File("other.safetensors.1.tmp"), unlike = $"{target}.notes.tmp";
        foreach (var f in new[] { old, legacy, fresh, mine, ancient, other, unlike }) File.WriteAllBytes(f, []);
        foreach (var f in new[] { old, legacy, other, unlike }) File.SetLastWriteTimeUtc(f, DateTime.UtcNow - TimeSpan.FromMinutes(5));
        File.SetLastWriteTimeUtc(ancient, DateTime.UtcNow - TimeSpan.FromHours(2));

        AtomicFile.WriteAllText(target, "x");

        Assert.False(File.Exists(old));      // dead owner, idle 5 minutes
        Assert.False(File.Exists(legacy));   // the older PATH.PID.tmp naming, same rule
        Assert.False(File.Exists(ancient));  // idle 2 hours, whoever owns it
        Assert.True(File.Exists(fresh));     // dead owner but just written: may be another machine's live write
        Assert.True(File.Exists(mine));      // this process is alive
        Assert.True(File.Exists(other));     // another target's
        Assert.True(File.Exists(unlike));    // not InitLab's pattern
    }

    private static int DeadPid()
    {
        using var p = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("true") { UseShellExecute = false })!;
        p.WaitForExit();
        return p.Id;
    }
}
