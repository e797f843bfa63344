using InitLab.Models;
using InitLab.Training;

namespace InitLab.Experiments;

/// <summary>The course's lessons after the study note, which <c>initlab seed --lesson</c> reproduces.</summary>
public enum CourseLesson
{
    /// <summary>The dropout lesson: the note's deep network, 784-512-512-512-512-10, with dropout 0.3 while training (keep_prob 0.7).</summary>
    Dropout,

    /// <summary>The batch-norm lesson: 784-32-32-10 with BatchNorm after each hidden Linear, compared with the same network without it.</summary>
    BatchNorm,
}

/// <summary>The lessons' configurations, built from the note's preset (<see cref="TrainConfig.Note"/>).</summary>
public static class CourseLessons
{
    /// <summary>dropout or batchnorm (case and spaces ignored; "bn" and "batch-norm" too); otherwise a <see cref="FormatException"/> naming them.</summary>
    public static CourseLesson Parse(string text) => text.Trim().ToLowerInvariant() switch
    {
        "dropout" => CourseLesson.Dropout,
        "batchnorm" or "batch-norm" or "bn" => CourseLesson.BatchNorm,
        _ => throw new FormatException($"Lesson '{text}' is not known; use dropout or batchnorm."),
    };

    /// <summary>The lesson's epochs: the note's 15 for dropout; 10 for batch norm, as the lesson trains.</summary>
    public static int Epochs(CourseLesson lesson) => lesson == CourseLesson.BatchNorm ? 10 : SeedExperiment.NoteEpochs;

    /// <summary>
    /// The networks the lesson trains, with their labels: the dropout lesson's one network; the
    /// batch-norm lesson's network with BatchNorm and then the same without it (same seed, so the
    /// Linear layers start from the same weights and see the batches in the same order).
    /// </summary>
    /// <param name="lesson">The lesson.</param>
    /// <param name="dataSource">The data's name or folder, recorded in the configurations.</param>
    /// <param name="epochs">Training epochs.</param>
    public static IReadOnlyList<(string Label, TrainConfig Config)> Configs(CourseLesson lesson, string dataSource, int epochs)
    {
        if (lesson == CourseLesson.Dropout)
            return [("dropout 0.3", TrainConfig.NoteDeep with { Data = dataSource, Epochs = epochs, Dropout = 0.3 })];
        // The lesson: Linear(784,32) → BatchNorm1d(32) → ReLU → Linear(32,32) → BatchNorm1d(32) → ReLU
        // → Linear(32,10), xavier_uniform_ weights, Adam lr 0.01, batch 32.
        var bn = TrainConfig.Note with
        {
            Data = dataSource,
            Layers = [784, 32, 32, 10],
            Norm = NormKind.Batch,
            Optimizer = new OptimizerConfig { Name = "adam", LearningRate = 0.01 },
            BatchSize = 32,
            Epochs = epochs,
        };
        return [("batchnorm", bn), ("no batchnorm", bn with { Norm = NormKind.None })];
    }
}
