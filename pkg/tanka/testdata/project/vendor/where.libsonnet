{ where: 'root vendor' }
