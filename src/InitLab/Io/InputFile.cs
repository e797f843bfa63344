using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace InitLab.Io;

/// <summary>
/// Opens an input file (a model, a checkpoint, an image) for reading, refusing anything that is
/// not a regular file. open(2) of a FIFO without a writer blocks forever, and a FIFO, a terminal
/// or a socket has no length to check declared sizes against; so on Linux and macOS the file is
/// opened with O_NONBLOCK (which makes opening a FIFO return at once) and refused unless it is
/// seekable, which regular files are and FIFOs, pipes, sockets and terminals are not. .NET has no
/// public way to ask a path's file type (FileAttributes says Normal for a FIFO), hence the
/// P/Invoke.
/// </summary>
internal static class InputFile
{
    /// <summary>
    /// A read-only stream over <paramref name="path"/>; an <see cref="IOException"/> saying why
    /// (missing, a folder, not a regular file) otherwise. The stream's <see cref="Stream.Length"/> is the file's size.
    /// </summary>
    public static FileStream OpenRead(string path)
    {
        if (Directory.Exists(path)) throw new IOException("is a folder, not a file");
        if (!File.Exists(path)) throw new FileNotFoundException("no such file", path);
        if (OperatingSystem.IsWindows()) return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        int flags = OperatingSystem.IsMacOS() || OperatingSystem.IsIOS() || OperatingSystem.IsFreeBSD()
            ? 0x0004 | 0x0100_0000   // O_RDONLY | O_NONBLOCK | O_CLOEXEC (BSD values)
            : 0x0800 | 0x0008_0000;  // O_RDONLY | O_NONBLOCK | O_CLOEXEC (Linux values)
        int fd = Open(path, flags);
        if (fd < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw new IOException($"cannot be opened ({Marshal.GetPInvokeErrorMessage(errno)})");
        }
        var handle = new SafeFileHandle(fd, ownsHandle: true);
        FileStream stream;
        try
        {
            stream = new FileStream(handle, FileAccess.Read, bufferSize: 1 << 16);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
        if (!stream.CanSeek)
        {
            stream.Dispose();
            throw new IOException("is not a regular file (a FIFO, pipe, socket or terminal?); give a file on disk");
        }
        return stream;
    }

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    private static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);
}
