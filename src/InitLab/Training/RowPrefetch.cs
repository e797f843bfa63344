using InitLab.Data;
using InitLab.Tensors;

namespace InitLab.Training;

/// <summary>
/// The next batch's rows, asked for in parts during the current step (between its GEMMs) so
/// that they arrive from memory while the arithmetic runs: asking for all of them at once
/// stalls about as long as reading them would. Rows are a <see cref="Dataset"/>'s pixel bytes
/// or a tensor's rows, in an epoch's order. Cleared, it prefetches nothing (a step run on its own).
/// </summary>
internal sealed class RowPrefetch
{
    private Dataset? _images;
    private Tensor? _rows;
    private int[] _order = [];
    private int _from, _to, _done;

    /// <summary>Rows order[from..to) of a dataset's images are the next batch.</summary>
    public void Set(Dataset images, int[] order, int from, int to) => (_images, _rows, _order, _from, _done, _to, AskedOn) = (images, null, order, from, from, to, 0);

    /// <summary>Rows order[from..to) of a tensor are the next batch.</summary>
    public void Set(Tensor rows, int[] order, int from, int to) => (_images, _rows, _order, _from, _done, _to, AskedOn) = (null, rows, order, from, from, to, 0);

    /// <summary>The positions [from, to) in the order of the rows of the last <c>Set</c>, kept after <c>Clear</c> (for tests).</summary>
    internal (int From, int To) Range => (_from, _to);

    /// <summary>How many rows of the batch have been asked for (for tests).</summary>
    internal int Asked => _images is null && _rows is null ? 0 : _done - _from;

    /// <summary>The managed id of the thread that last asked for rows, 0 if none has since the last <c>Set</c> (for tests).</summary>
    internal int AskedOn { get; private set; }

    /// <summary>Nothing to prefetch until the next <c>Set</c>.</summary>
    public void Clear() => (_images, _rows) = (null, null);

    /// <summary>Asks for the rows of the first <paramref name="part"/>/<paramref name="parts"/> of the batch not asked for yet.</summary>
    public void Upto(int part, int parts)
    {
        if (_images is null && _rows is null) return;
        int upTo = _from + (int)((long)(_to - _from) * part / parts);
        if (_done < upTo) AskedOn = Environment.CurrentManagedThreadId;
        for (; _done < upTo; _done++)
        {
            if (_images is not null) Ops.Prefetch(_images.Pixels(_order[_done]));
            else Ops.Prefetch<float>(_rows!.Row(_order[_done]));
        }
    }
}
