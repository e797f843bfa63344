using System.Security.Cryptography;

namespace InitLab.Data;

/// <summary>MD5 and, when asked, SHA-256 of a file, as lower-case hex, computed in one pass.</summary>
public static class FileChecksum
{
    /// <summary>The file's MD5, and its SHA-256 if <paramref name="sha256"/> (else null).</summary>
    public static (string Md5, string? Sha256) Compute(string path, bool sha256 = true)
    {
        using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        using var sha = sha256 ? IncrementalHash.CreateHash(HashAlgorithmName.SHA256) : null;
        using var f = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        var buffer = new byte[1 << 16];
        int n;
        while ((n = f.Read(buffer)) > 0)
        {
            md5.AppendData(buffer, 0, n);
            sha?.AppendData(buffer, 0, n);
        }
        return (Convert.ToHexStringLower(md5.GetHashAndReset()), sha is null ? null : Convert.ToHexStringLower(sha.GetHashAndReset()));
    }

    /// <summary>Null when the file matches <paramref name="expected"/>; otherwise what differs, for an error message.</summary>
    public static string? Mismatch(string path, DataFileInfo expected)
    {
        var (md5, sha) = Compute(path, sha256: expected.Sha256 is not null);
        if (!string.Equals(md5, expected.Md5, StringComparison.OrdinalIgnoreCase))
            return $"MD5 {md5} differs from the published {expected.Md5}";
        if (expected.Sha256 is { } s && !string.Equals(sha, s, StringComparison.OrdinalIgnoreCase))
            return $"SHA-256 {sha} differs from the published {s}";
        return null;
    }
}
