"""The PySide6 window of AppStream Launcher. Importing this package does not import boto3 or botocore."""
