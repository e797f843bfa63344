namespace InitLab.Training;

/// <summary>
/// An <see cref="IProgress{T}"/> that runs its action at once, on the thread that reports.
/// <see cref="Progress{T}"/> posts to the thread pool when there is no synchronization context
/// (a console program), so lines printed from it can come out of order or after training ends.
/// </summary>
public sealed class InlineProgress<T>(Action<T> action) : IProgress<T>
{
    /// <summary>Runs the action with <paramref name="value"/>.</summary>
    public void Report(T value) => action(value);
}
