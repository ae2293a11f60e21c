"""The demo catalog: realistic images of a research cloud, loaded by `flask demo load`.

The records are built in the import format and go through the importer, so
the demo exercises the same validation and writes as a real import. Ids are
derived from the names, so loading twice adds nothing.
"""

import io
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from catalog import accounts, importer, operations
from catalog.clock import now
from catalog.extensions import db
from catalog.models import Image, Provider

NAMESPACE = uuid.UUID("6f1c1f9e-8d0b-4a53-9a53-2f7f0c1e5a10")

PROVIDERS = {
    1: "Cloud East (Indiana)",
    2: "Cloud West (Arizona)",
    3: "Cloud Central (Texas)",
    4: "Workshop cloud",
}

# name, creator, tags, first line of the description
IMAGES: list[tuple[str, str, list[str], str]] = [
    ("Ubuntu 24.04 LTS Base", "imagekeeper", ["Ubuntu", "base", "Featured"], "Minimal Ubuntu 24.04 (Noble Numbat) server with cloud-init."),
    ("Ubuntu 22.04 LTS Base", "imagekeeper", ["Ubuntu", "base", "Featured"], "Minimal Ubuntu 22.04 (Jammy Jellyfish) server with cloud-init."),
    ("Ubuntu 20.04 LTS Base", "imagekeeper", ["Ubuntu", "base"], "Ubuntu 20.04 (Focal Fossa) server; standard support ended in 2025."),
    ("Ubuntu 22.04 Desktop (XFCE)", "imagekeeper", ["Ubuntu", "desktop", "gui", "vnc"], "Ubuntu 22.04 with an XFCE desktop reachable over VNC or Guacamole."),
    ("Ubuntu 24.04 Desktop (MATE)", "imagekeeper", ["Ubuntu", "desktop", "gui", "x2go"], "Ubuntu 24.04 with a MATE desktop for x2go clients."),
    ("Rocky Linux 9 Base", "imagekeeper", ["Rocky", "base", "Featured"], "Rocky Linux 9 minimal install, SELinux enforcing."),
    ("Rocky Linux 8 Base", "imagekeeper", ["Rocky", "base"], "Rocky Linux 8 minimal install for software that still needs EL8."),
    ("Rocky Linux 9 Development", "marco", ["Rocky", "development", "gui"], "Rocky Linux 9 with the Development Tools group, Git and a GNOME desktop."),
    ("Debian 12 (Bookworm) Base", "imagekeeper", ["Debian", "base", "Featured"], "Debian 12 generic cloud image with unattended security upgrades."),
    ("Debian 11 (Bullseye) Base", "imagekeeper", ["Debian", "base"], "Debian 11 generic cloud image."),
    ("Debian 12 with Docker", "lin", ["Debian", "docker", "docker-compose"], "Debian 12 with Docker Engine and the Compose plugin from Docker's repository."),
    ("CentOS 7 (7.9) Base", "imagekeeper", ["CentOS", "base"], "CentOS 7.9. CentOS 7 reached end of life in June 2024; use Rocky Linux 9."),
    ("CentOS 7 Development GUI", "imagekeeper", ["CentOS", "development", "gui", "vnc"], "CentOS 7 with development tools and a GNOME desktop."),
    ("CentOS Stream 9 Base", "marco", ["CentOS", "base"], "CentOS Stream 9, tracking just ahead of RHEL 9."),
    ("AlmaLinux 9 Base", "marco", ["AlmaLinux", "base"], "AlmaLinux 9 minimal install."),
    ("Ubuntu 22.04 CUDA 12.4", "asha", ["Ubuntu", "GPU", "CUDA", "Featured"], "NVIDIA driver 550 and CUDA 12.4 toolkit for GPU flavors."),
    ("Ubuntu 24.04 CUDA 12.6 + cuDNN", "asha", ["Ubuntu", "GPU", "CUDA", "cuDNN"], "NVIDIA driver 560, CUDA 12.6 and cuDNN 9 for deep learning."),
    ("Rocky 9 CUDA 12.4", "asha", ["Rocky", "GPU", "CUDA"], "Rocky Linux 9 with the NVIDIA driver and CUDA 12.4 from NVIDIA's repository."),
    ("PyTorch 2 (GPU)", "asha", ["GPU", "CUDA", "PyTorch", "machine-learning", "Featured"], "PyTorch 2 with CUDA, torchvision and JupyterLab in a conda environment."),
    ("TensorFlow 2 (GPU)", "asha", ["GPU", "CUDA", "TensorFlow", "machine-learning"], "TensorFlow 2 with GPU support and TensorBoard."),
    ("JAX on GPU", "asha", ["GPU", "CUDA", "JAX", "machine-learning"], "JAX with CUDA wheels, Flax and Optax."),
    ("Ollama LLM Workstation", "devika", ["GPU", "LLM", "machine-learning"], "Ollama and Open WebUI for running open-weight language models on a GPU."),
    ("JupyterHub (TLJH)", "lin", ["Jupyter", "Python", "teaching", "Featured"], "The Littlest JupyterHub for classes of up to 100 users."),
    ("JupyterLab Data Science", "lin", ["Jupyter", "Python", "R", "data-science"], "JupyterLab with pandas, scikit-learn, matplotlib and an R kernel."),
    ("Jupyter + Spark", "lin", ["Jupyter", "Spark", "big-data"], "Apache Spark 3.5 standalone with PySpark notebooks."),
    ("RStudio Server 2024", "devika", ["R", "RStudio", "statistics", "Featured"], "RStudio Server with R 4.4, tidyverse and Bioconductor."),
    ("RStudio + Shiny Server", "devika", ["R", "RStudio", "Shiny"], "RStudio Server and Shiny Server for publishing dashboards."),
    ("R with Intel compilers", "marco", ["R", "Intel", "development"], "R built with Intel oneAPI compilers and MKL."),
    ("Galaxy Standalone", "devika", ["Galaxy", "bioinformatics", "Featured"], "A standalone Galaxy server with the common NGS tools installed."),
    ("Galaxy with Conda tools", "devika", ["Galaxy", "bioinformatics", "conda"], "Galaxy that resolves tool dependencies through Bioconda."),
    ("QIIME 2 Amplicon 2024.10", "devika", ["QIIME", "bioinformatics", "microbiome", "Featured"], "QIIME 2 amplicon distribution for microbiome analysis."),
    ("QIIME 2 Shotgun", "devika", ["QIIME", "bioinformatics", "metagenomics"], "QIIME 2 with the MOSHPIT shotgun metagenomics plugins."),
    ("BioLinux 8", "imagekeeper", ["bioinformatics", "Ubuntu", "desktop", "x2go"], "The classic Bio-Linux 8 desktop with over 250 bioinformatics packages."),
    ("Bioconductor 3.20", "devika", ["R", "bioinformatics", "Bioconductor"], "R and Bioconductor 3.20 with the common genomics packages preinstalled."),
    ("Nextflow + nf-core", "devika", ["Nextflow", "bioinformatics", "workflows"], "Nextflow, nf-core tools and Apptainer for running nf-core pipelines."),
    ("Snakemake Workflows", "lin", ["Snakemake", "workflows", "Python"], "Snakemake with Mamba for reproducible workflows."),
    ("GATK 4 Germline", "devika", ["GATK", "genomics", "bioinformatics"], "GATK 4, BWA and samtools for germline variant calling."),
    ("AlphaFold 2 (GPU)", "asha", ["GPU", "protein-structure", "bioinformatics"], "AlphaFold 2 with reduced databases on an attached volume."),
    ("Docker Host (Ubuntu 24.04)", "lin", ["docker", "Ubuntu", "containers", "Featured"], "Docker Engine, Compose and Buildx on Ubuntu 24.04."),
    ("Podman Host (Rocky 9)", "lin", ["Podman", "Rocky", "containers"], "Rootless Podman and Buildah on Rocky Linux 9."),
    ("Kubernetes Node (k3s)", "lin", ["Kubernetes", "containers"], "A single-node k3s cluster with Helm, for testing deployments."),
    ("Apptainer HPC Host", "marco", ["Apptainer", "HPC", "containers"], "Apptainer (formerly Singularity) for running HPC containers."),
    ("Slurm Head Node", "marco", ["Slurm", "HPC"], "Slurm controller and login node for a small virtual cluster."),
    ("OpenMPI Compute Node", "marco", ["MPI", "HPC"], "OpenMPI 5 and UCX for multi-node MPI jobs."),
    ("MATLAB R2024b", "marco", ["MATLAB", "desktop", "gui"], "MATLAB R2024b; bring your own campus license."),
    ("Octave 9", "marco", ["Octave", "desktop"], "GNU Octave 9 with the GUI and common packages."),
    ("QGIS Desktop", "devika", ["GIS", "desktop", "gui"], "QGIS 3 LTR with GDAL and GRASS."),
    ("PostGIS Database Server", "lin", ["GIS", "PostgreSQL", "database"], "PostgreSQL 16 with PostGIS 3 and pgRouting."),
    ("PostgreSQL 16 Server", "lin", ["PostgreSQL", "database"], "PostgreSQL 16 tuned for a medium flavor."),
    ("MongoDB 7 Server", "lin", ["MongoDB", "database"], "MongoDB Community 7 with authentication on."),
    ("Elasticsearch + Kibana", "lin", ["Elasticsearch", "search", "big-data"], "Elasticsearch 8 and Kibana for log and text search."),
    ("iRODS Client Tools", "imagekeeper", ["iRODS", "data-management"], "iCommands and the Python iRODS client for the research data store."),
    ("Globus Connect Personal", "imagekeeper", ["Globus", "data-management"], "Globus Connect Personal for moving large data sets."),
    ("OpenFOAM 12", "marco", ["OpenFOAM", "CFD", "HPC"], "OpenFOAM 12 with ParaView for computational fluid dynamics."),
    ("GROMACS 2024 (GPU)", "asha", ["GROMACS", "molecular-dynamics", "GPU"], "GROMACS 2024 built with CUDA for molecular dynamics."),
    ("LAMMPS", "asha", ["LAMMPS", "molecular-dynamics", "HPC"], "LAMMPS with the common packages, built with OpenMPI."),
    ("VS Code Server", "lin", ["development", "VS Code"], "code-server for editing in the browser, with Python and Go extensions."),
    ("Go and Rust Toolchains", "marco", ["development", "Go", "Rust"], "Current Go and Rust toolchains on Debian 12."),
    ("Workshop: Intro to Genomics", "devika", ["teaching", "bioinformatics", "workshop"], "Tools and data for the two-day genomics workshop."),
    ("Workshop: Deep Learning 101", "asha", ["teaching", "GPU", "workshop"], "Notebooks and models for the deep learning workshop."),
    ("Lab image: soil microbiome (private)", "devika", ["QIIME", "microbiome"], "Our lab's QIIME 2 setup with reference databases for soil samples."),
    ("Lab image: cryo-EM pipeline (private)", "asha", ["cryo-EM", "GPU"], "RELION and cryoSPARC prerequisites for the structural biology lab."),
    ("Draft: Ubuntu 26.04 preview", "imagekeeper", ["Ubuntu", "base"], "A preview build for testing; not supported."),
    ("Café Ñandú: análisis de datos", "lin", ["Python", "datos", "español"], "Imagen con Python y Jupyter para el curso de análisis de datos."),
    ("Old Galaxy 19.05", "devika", ["Galaxy", "bioinformatics"], "An old Galaxy release kept for reproducing published analyses."),
]

PRIVATE = {"Lab image: soil microbiome (private)", "Lab image: cryo-EM pipeline (private)", "Draft: Ubuntu 26.04 preview"}
ENDED = {"Ubuntu 20.04 LTS Base", "CentOS 7 (7.9) Base", "Old Galaxy 19.05"}
SCHEDULED_TO_END = {"Workshop: Intro to Genomics", "Workshop: Deep Learning 101", "Debian 11 (Bullseye) Base"}


def image_id(name: str) -> str:
    """Return the stable id of a demo image."""
    return str(uuid.uuid5(NAMESPACE, name))


def build_records(at: datetime) -> list[dict[str, Any]]:
    """Return the demo images as import records; dates that must be in the future follow `at`."""
    base = datetime(2019, 3, 4, 15, 30, 12, 345_000, tzinfo=UTC)
    records = []
    for index, (name, creator, tags, summary) in enumerate(IMAGES):
        start = base + timedelta(days=index * 37, hours=index * 5, minutes=index * 7)
        end = None
        if name in ENDED:
            end = min(at - timedelta(days=30), start + timedelta(days=900))
        elif name in SCHEDULED_TO_END:
            end = at + timedelta(days=30 + index)
        versions = []
        version_count = 2 + index % 3
        for number in range(version_count):
            provider = 1 + (index + number) % 3
            version_start = start + timedelta(days=number * 45)
            version_end = None
            if number == 0 and version_count > 2:
                version_end = version_start + timedelta(days=120)
            versions.append(
                {
                    "alias": str(uuid.uuid5(NAMESPACE, f"{name} {number}")),
                    "version": f"1.{number}",
                    "start_date": format_demo_date(version_start),
                    "end_date": format_demo_date(version_end),
                    "provider": provider,
                }
            )
        if "workshop" in tags:
            versions.append(
                {
                    "alias": str(uuid.uuid5(NAMESPACE, f"{name} workshop")),
                    "version": "workshop",
                    "start_date": format_demo_date(start),
                    "end_date": None,
                    "provider": 4,
                }
            )
        description = (
            f"{summary}\n\n"
            "## What is installed\n\n"
            f"- {', '.join(tags)}\n"
            "- Security updates applied when the version was built\n\n"
            "Launch it on a flavor with at least **2 CPUs and 8 GB** of memory."
        )
        records.append(
            {
                "id": image_id(name),
                "icon": None,
                "created_by": creator,
                "name": name,
                "tags": tags,
                "description": description,
                "start_date": format_demo_date(start),
                "end_date": format_demo_date(end),
                "private": name in PRIVATE,
                "versions": versions,
            }
        )
    return records


def format_demo_date(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.isoformat().replace("+00:00", "Z")


def load(*, if_empty: bool = False) -> str:
    """Load the demo images that are not there yet; return what was done, for the CLI."""
    if if_empty and db.session.scalar(select(func.count()).select_from(Image)):
        return "The catalog already has images; the demo catalog was not loaded."
    for provider_id, name in PROVIDERS.items():
        provider = db.session.get(Provider, provider_id)
        if provider is None:
            operations.create_provider(provider_id, name)
    db.session.commit()

    # Whole milliseconds, as the API and export write dates, so that exporting and
    # importing the demo catalog again changes nothing.
    at = now()
    records = build_records(at.replace(microsecond=at.microsecond // 1000 * 1000))
    existing = set(
        db.session.scalars(select(Image.id).where(Image.id.in_([r["id"] for r in records])))
    )
    new_records = [record for record in records if record["id"] not in existing]
    source = io.BytesIO(json.dumps(new_records).encode())
    summary = importer.import_images(source)
    if summary.errors:
        raise RuntimeError("the demo catalog is invalid: " + "; ".join(summary.errors))
    logins = accounts.load_demo_accounts([image_id(name) for name in sorted(PRIVATE)])
    db.session.commit()
    return (
        f"Demo catalog: {summary.created} images added, {len(existing)} already there "
        f"({len(records)} in all, on {len(PROVIDERS)} providers).\n" + "\n".join(logins)
    )
